namespace MiniVmm.Tests;

/// <summary>
/// Machines with <c>"apic": true</c>, run by the real minivmm: the apic and smp guests against QEMU's
/// recordings, the 8259-only timer guest through LINT0's virtual wire, and the machine-file errors.
/// </summary>
public class ApicGuestTests
{
    private static string Expected(string guest) =>
        File.ReadAllText(Path.Combine(Minivmm.RepoRoot, "guests", "multiboot", guest + ".expected"));

    [Theory]
    [InlineData("deterministic")]
    [InlineData("host")]
    public void Apic_guest_prints_what_qemu_prints(string clock)
    {
        var result = Minivmm.Run("--machine", "configs/conformance/apic.json", "--set", $"clock={clock}");

        Assert.Equal(Expected("apic"), result.Stdout);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Smp_guest_counts_on_two_vcpus_what_qemu_counts()
    {
        // INIT/SIPI, LOCK XADD and an XCHG spinlock from both vCPUs, an IPI from the AP (QEMU -smp 2).
        var result = Minivmm.Run("--machine", "configs/conformance/smp.json");

        Assert.Equal(Expected("smp"), result.Stdout);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Smp_guest_on_a_kernel_irqchip_machine_runs_on_the_soft_cpu_with_stand_in_apics()
    {
        // configs/smp-kernel-irqchip.json declares no interrupt chips: "irqchip": "kernel" is KVM's
        // in-kernel set there (the nested test bed runs it) and the plugins, local APICs included, here.
        var result = Minivmm.Run("--machine", "configs/smp-kernel-irqchip.json", "--accel", "soft", "--stats");

        Assert.Equal(Expected("smp"), result.Stdout);
        Assert.Equal(1, result.ExitCode);
        // --stats lists each vCPU: the AP ran its own instructions (it counted half of the total).
        foreach (int id in new[] { 0, 1 })
        {
            var line = System.Text.RegularExpressions.Regex.Match(result.Stderr, $@"vcpu{id}\s+\d+\s+[\d.]+%\s+(\d+) instructions");
            Assert.True(line.Success, result.Stderr);
            Assert.True(long.Parse(line.Groups[1].Value) > 100_000, line.Value);
        }
    }

    [KvmFact]
    public void Several_kvm_vcpus_without_the_kernel_irqchip_name_the_key_to_add()
    {
        // KVM's APs start through its in-kernel local APICs only; minivmm has no user-space APIC for KVM.
        var result = Minivmm.Run("check", "--machine", "configs/smp-kernel-irqchip.json", "--accel", "kvm", "--set", "irqchip=devices");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("vcpus: 2 vCPUs on kvm start through its in-kernel local APICs (INIT and start-up IPIs): add \"irqchip\": \"kernel\"", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void Timer_guest_reaches_the_8259_through_the_local_apic_lint0()
    {
        // The guest never touches the APIC: the BSP's LINT0 is ExtINT at reset (virtual wire), as on QEMU.
        var result = Minivmm.Run("--machine", "configs/conformance/timer.json", "--set", "apic=true");

        Assert.Equal(Expected("timer"), result.Stdout);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void Ioapic_without_apic_names_the_key_to_add()
    {
        var result = Minivmm.Run("--machine", "configs/conformance/apic.json", "--set", "apic=false");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[2]: ioapic 'ioapic': the I/O APIC sends to local APICs, and this machine has none: add \"apic\": true", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void Apic_that_is_not_a_boolean_is_a_machine_file_error()
    {
        var result = Minivmm.Run("--machine", "configs/conformance/apic.json", "--set", "apic=yes");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("apic: 'yes' is not true or false", result.Stderr);
    }
}
