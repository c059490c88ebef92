namespace MiniVmm.Tests;

/// <summary>
/// <c>minivmm check</c> builds the machine as a run does and stops before the first instruction: every
/// machine a run refuses, check refuses with the same exit code and message, and what check accepts runs.
/// </summary>
public class CheckTests
{
    /// <summary>A flat real-mode machine whose guest is one HLT at 0x1000, with <paramref name="keys"/> and <paramref name="memory"/>.</summary>
    private static string HaltMachine(TempFolder temp, string keys, string memory = """{ "base": "0x0", "size": "64KiB" }""", string boot = "")
    {
        temp.Write("hlt.bin", [0xf4]);
        boot = boot == "" ? """{ "image": "hlt.bin", "loadAddress": "0x1000", "entry": { "cs": 0, "rip": "0x1000" } }""" : boot;
        return temp.Write("machine.json", $$"""
            { {{keys}}
              "memory": [ {{memory}} ],
              "boot": {{boot}},
              "devices": [ ] }
            """);
    }

    /// <summary>Runs check, then the machine; both must fail alike, naming <paramref name="expected"/>.</summary>
    private static void CheckAndRunRefuse(string machine, int exitCode, string expected, params string[] extra)
    {
        var check = Minivmm.Run(["check", "--machine", machine, .. extra]);
        var run = Minivmm.Run(["--machine", machine, .. extra]);

        Assert.Equal(exitCode, check.ExitCode);
        Assert.Contains(expected, check.Stderr);
        Assert.Equal("", check.Stdout);
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal(check.Stderr, run.Stderr);
        Assert.DoesNotContain("   at ", check.Stderr); // no .NET stack trace
    }

    [Fact]
    public void Check_refuses_more_than_one_vcpu_without_local_apics_as_run_does()
    {
        using var temp = new TempFolder();
        CheckAndRunRefuse(HaltMachine(temp, """ "accelerator": "soft", "vcpus": 2, """), 2,
            "vcpus: 2 vCPUs start through their local APICs (INIT and start-up IPIs): add \"apic\": true");
    }

    [Fact]
    public void Check_refuses_several_vcpus_on_the_deterministic_clock()
    {
        using var temp = new TempFolder();
        CheckAndRunRefuse(HaltMachine(temp, """ "accelerator": "soft", "vcpus": 2, "apic": true, "clock": "deterministic", """), 2,
            "clock: deterministic time follows one vCPU's instructions, so 2 vCPUs cannot share it; use \"host\"");
    }

    [KvmFact]
    public void Check_refuses_a_32_bit_kernel_on_the_accelerator_given_on_its_command_line()
    {
        // The software CPU starts 32-bit kernels too; KVM machines here start Linux in long mode only.
        using var temp = new TempFolder();
        temp.Write("bzImage", LinuxMachineTests.FakeBzImage(kernel64: false));
        string machine = HaltMachine(temp, """ "accelerator": "soft", """,
            memory: """{ "base": "0x0", "size": "640KiB" }, { "base": "0x100000", "size": "15MiB" }""",
            boot: """{ "format": "linux", "kernel": "bzImage" }""");

        CheckAndRunRefuse(machine, 4, "the bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear)", "--accel", "kvm");
    }

    [Fact]
    public void Check_refuses_a_file_that_is_not_a_multiboot_kernel_as_the_loader_does()
    {
        using var temp = new TempFolder();
        temp.Write("kernel.elf", new byte[4096]);
        string machine = HaltMachine(temp, """ "accelerator": "soft", """,
            memory: """{ "base": "0x0", "size": "640KiB" }, { "base": "0x100000", "size": "15MiB" }""",
            boot: """{ "format": "multiboot", "kernel": "kernel.elf" }""");

        CheckAndRunRefuse(machine, 4, "kernel.elf");
    }

    [Fact]
    public void Check_refuses_more_ram_than_the_host_has_naming_the_memory_key()
    {
        using var temp = new TempFolder();
        string machine = HaltMachine(temp, """ "accelerator": "soft", """, memory: """{ "base": "0x0", "size": "65536GiB" }""");

        CheckAndRunRefuse(machine, 2, "memory: the RAM slots add up to 64 TiB, more than this host can ever back");
    }

    [Fact]
    public void A_16_GiB_machine_checks_and_runs_without_committing_its_ram()
    {
        using var temp = new TempFolder();
        int gib = Math.Min(16, HostGibibytes() / 2); // 16 GiB where the host could back it (most hosts)
        string machine = HaltMachine(temp, """ "accelerator": "soft", """, memory: $$"""{ "base": "0x1000", "size": "{{gib}}GiB" }""");

        var check = Minivmm.Run(TimeSpan.FromSeconds(20), "check", "--machine", machine);
        var run = Minivmm.Run(TimeSpan.FromSeconds(20), "--machine", machine);

        Assert.Equal(0, check.ExitCode);
        Assert.Contains($"{gib << 20} KiB RAM", check.Stdout);
        Assert.Equal(0, run.ExitCode); // HLT: before lazy RAM, this took 43 s and 16.9 GB
    }

    [Fact]
    public void A_slot_the_host_refuses_to_map_is_a_machine_file_error_naming_its_entry()
    {
        using var temp = new TempFolder();
        string machine = HaltMachine(temp, """ "accelerator": "soft", """,
            memory: """{ "base": "0x0", "size": "64KiB" }, { "base": "0x100000000", "size": "4GiB" }""");

        // An address-space limit (ulimit -v, 3 GB) makes mmap refuse the 4 GiB slot; a small GC heap lets .NET start under it.
        var start = new System.Diagnostics.ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "ulimit -v 3000000 && exec \"$0\" \"$@\"", Minivmm.Executable, "check", "--machine", machine },
            Environment = { ["DOTNET_GCHeapHardLimit"] = "0x10000000" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("memory[1]: the host cannot reserve 4 GiB of address space for it (mmap: out of memory", stderr);
        Assert.DoesNotContain("OutOfMemoryException", stderr);
    }

    /// <summary>MemTotal + SwapTotal, in whole GiB.</summary>
    private static int HostGibibytes() => (int)(File.ReadLines("/proc/meminfo")
        .Where(l => l.StartsWith("MemTotal:", StringComparison.Ordinal) || l.StartsWith("SwapTotal:", StringComparison.Ordinal))
        .Sum(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])) >> 20);

    [KvmFact]
    public void Kvm_runs_with_ram_over_qemus_tss_address_by_placing_the_tss_elsewhere()
    {
        using var temp = new TempFolder();
        string machine = HaltMachine(temp, """ "accelerator": "kvm", """,
            memory: """{ "base": "0x0", "size": "64KiB" }, { "base": "0xfff00000", "size": "1MiB" }""");

        var check = Minivmm.Run("check", "--machine", machine);
        var run = Minivmm.Run("--machine", machine);

        Assert.Equal(0, check.ExitCode);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.ExitCode);
    }

    [KvmFact]
    public void Kvm_refuses_ram_that_leaves_no_room_for_its_tss_naming_the_memory_key()
    {
        using var temp = new TempFolder();
        string machine = HaltMachine(temp, """ "accelerator": "kvm", """, memory: """{ "base": "0x1000", "size": "16GiB" }""");

        CheckAndRunRefuse(machine, 2, "memory: KVM needs 16 KiB of guest physical addresses below 4 GiB that are not RAM");
    }

    [KvmFact]
    public void Check_refuses_a_device_on_the_ports_of_kvms_in_kernel_irqchip()
    {
        using var temp = new TempFolder();
        string machine = HaltMachine(temp, """ "accelerator": "kvm", "irqchip": "kernel", """);
        File.WriteAllText(machine, File.ReadAllText(machine).Replace("""
            "devices": [ ]
            """.Trim(), """
            "devices": [ { "type": "uart16550", "name": "odd", "ports": "0x40", "irq": 4, "options": { "backend": "null" } } ]
            """.Trim()));

        CheckAndRunRefuse(machine, 2, "devices[0]: 'odd' (ports 0x40-0x47) sits on the 8254 PIT");
    }

    [KvmFact]
    public void Check_refuses_a_deterministic_clock_on_kvm()
    {
        using var temp = new TempFolder();
        CheckAndRunRefuse(HaltMachine(temp, """ "accelerator": "kvm", "clock": "deterministic", """), 2,
            "clock: deterministic time needs an accelerator that counts instructions (soft), not kvm");
    }
}
