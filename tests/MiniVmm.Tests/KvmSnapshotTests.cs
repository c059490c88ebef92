namespace MiniVmm.Tests;

/// <summary>
/// KVM snapshots with the in-kernel irqchip (docs/snapshots.md): the PICs, IOAPIC, PIT, kvmclock and
/// each vCPU's local APIC and run state go into the file. The guest (guests/pc/idle.rom) programs the
/// PIT at 100 Hz and sleeps in HLT between ticks, printing a dot every 100: a restored machine whose
/// in-kernel PIT or PIC were not restored would never wake again.
/// </summary>
public class KvmSnapshotTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static string KernelIrqchipMachine(TempFolder temp) => temp.Write("idle-kernel.json", $$"""
        { "name": "idle-kernel", "accelerator": "kvm", "irqchip": "kernel",
          "memory": [ { "base": "0x0", "size": "640KiB" }, { "base": "0xf0000", "size": "64KiB" }, { "base": "0x100000", "size": "63MiB" } ],
          "boot": { "format": "flat", "image": "{{Path.Combine(Minivmm.RepoRoot, "guests", "pc", "idle.rom")}}", "loadAddress": "0xf0000",
                    "entry": { "cs": "0xf000", "rip": "0xfff0" } },
          "devices": [ { "type": "mc146818", "name": "rtc", "options": { "time": "host", "memorySize": "64MiB" } },
            { "type": "i8042", "name": "kbc" }, { "type": "port92" }, { "type": "pci-host", "name": "pci" },
            { "type": "uart16550", "name": "com1", "options": { "backend": "stdio" } }, { "type": "isa-debug-exit", "options": { "iosize": 4 } } ],
          "limits": { "time": "60s" } }
        """);

    [KvmFact]
    public void A_kernel_irqchip_machine_restored_wakes_on_the_in_kernel_pit_as_before()
    {
        using var temp = new TempFolder();
        string machine = KernelIrqchipMachine(temp);
        string file = temp.File("vm.snap");
        Minivmm.Result? asked = null;

        var first = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            int port = MonitorClient.Port(stderr);
            Thread.Sleep(1500); // the guest programs the PIT and sleeps between ticks
            asked = Minivmm.Run(Limit, "snapshot", "--monitor", $"tcp:127.0.0.1:{port}", file);
            using var monitor = MonitorClient.Connect(stderr);
            monitor.Send("quit");
        }, "--machine", machine, "--monitor", "tcp:127.0.0.1:0");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, asked!.ExitCode);
        Assert.StartsWith("idle guest: 100 Hz timer", first.Stdout);

        var restored = Minivmm.Run(Limit, "--machine", machine, "--restore", file, "--timeout", "3s");

        Assert.Equal(124, restored.ExitCode);
        Assert.DoesNotContain("idle guest", restored.Stdout); // it resumed, it did not boot again
        Assert.InRange(restored.Stdout.Count(c => c == '.'), 1, 4); // about one a second: the in-kernel PIT ticks on at 100 Hz
    }

    [KvmFact]
    public void A_kernel_irqchip_snapshot_restored_into_the_device_irqchip_machine_is_refused()
    {
        using var temp = new TempFolder();
        string machine = KernelIrqchipMachine(temp);
        string file = temp.File("vm.snap");
        Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            int port = MonitorClient.Port(stderr);
            Minivmm.Run(Limit, "snapshot", "--monitor", $"tcp:127.0.0.1:{port}", file);
            using var monitor = MonitorClient.Connect(stderr);
            monitor.Send("quit");
        }, "--machine", machine, "--monitor", "tcp:127.0.0.1:0");

        var result = Minivmm.Run(Limit, "--machine", machine, "--set", "irqchip=devices", "--restore", file);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("the snapshot is of another machine", result.Stderr);
    }
}
