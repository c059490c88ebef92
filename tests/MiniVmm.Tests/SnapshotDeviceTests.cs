using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>
/// A snapshot/restore proof per device class (docs/snapshots.md): a guest that uses the device is
/// snapshotted while it does, restored in a new minivmm, and what it prints before the snapshot and
/// after the restore is exactly what an uninterrupted run prints (deterministic clock).
/// </summary>
public class SnapshotDeviceTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private static void AssertRestoredRunContinuesExactly(string machine, ulong at, params string[] options)
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        string[] Args(params string[] more) => ["--machine", Path.Combine(Minivmm.Configs, machine), .. options, .. more];

        var whole = Minivmm.Run(Limit, Args());
        Assert.Equal(1, whole.ExitCode);
        var snapshotting = Minivmm.Run(Limit, Args("--snapshot-at", $"{at}:{file}"));
        // Taken at the first instruction boundary from N on where no I/O read waits for its data.
        var taken = Regex.Match(snapshotting.Stderr, $"snapshot written to {Regex.Escape(file)} at instruction (\\d+)");
        Assert.True(taken.Success, snapshotting.Stderr);
        Assert.InRange(ulong.Parse(taken.Groups[1].Value), at, at + 10);
        Assert.Equal(whole.Stdout, snapshotting.Stdout);

        var before = Minivmm.Run(Limit, Args("--max-instructions", taken.Groups[1].Value));
        Assert.Equal(124, before.ExitCode);
        var after = Minivmm.Run(Limit, Args("--restore", file));

        Assert.Equal(1, after.ExitCode);
        Assert.NotEmpty(after.Stdout);
        Assert.Equal(whole.Stdout, before.Stdout + after.Stdout);
    }

    /// <summary>The local APIC (self IPIs, TPR, NMI, periodic and one-shot timer) and the I/O APIC (PIT and UART pins, remote IRR).</summary>
    [Theory]
    [InlineData(3_000)]
    [InlineData(6_000)]   // the APIC timer ticking
    [InlineData(9_000)]   // PIT ticks through the I/O APIC
    [InlineData(12_000)]  // level-triggered UART interrupts
    public void Local_apic_and_io_apic(ulong at) =>
        AssertRestoredRunContinuesExactly(Path.Combine("conformance", "apic.json"), at);

    /// <summary>virtio-blk on virtio-mmio: negotiation, a queue, requests, used ring and interrupt status.</summary>
    [Theory]
    [InlineData(3_000)]
    [InlineData(6_000)]
    [InlineData(9_000)]
    public void Virtio_blk(ulong at) =>
        AssertRestoredRunContinuesExactly("virtio-blk.json", at, "--accel", "soft", "--set", "clock=deterministic");

    /// <summary>piix3-ide: a PIO transfer under way, and a read-only disk's writes kept in the device (guests/flat/idesnap.S).</summary>
    [Theory]
    [InlineData(1_500)]    // around IDENTIFY DEVICE
    [InlineData(50_000)]   // in a multi-sector read, after three rounds of writes
    [InlineData(200_000)]  // late: most sectors rewritten in memory
    public void Piix3_ide(ulong at) => AssertRestoredRunContinuesExactly("snapshot-ide.json", at);

    /// <summary>QEMU's edu device behind PCI: the BAR where the guest mapped it, registers, a DMA transfer in flight.</summary>
    [Theory]
    [InlineData(60_000)]   // the first DMA transfer in flight
    [InlineData(150_000)]  // the second, with its interrupt to come
    public void Pci_edu(ulong at) =>
        AssertRestoredRunContinuesExactly("pc-edu.json", at, "--accel", "soft", "--set", "clock=deterministic",
            "--set", "devices:7:options:dmaDelayUs=100");

    /// <summary>
    /// Two vCPUs: snapshotted while the AP still waits for its start-up IPI, and while both count
    /// under a spinlock; the restored machine prints the rest of the run (the AP's start included).
    /// </summary>
    [Theory]
    [InlineData(200, "ap started")]
    [InlineData(300_000, "lock xadd total")]
    public void Smp_machine(ulong at, string printedAfterRestore)
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        string machine = Path.Combine(Minivmm.Configs, "conformance", "smp.json");
        var whole = Minivmm.Run(Limit, "--machine", machine);
        Assert.Equal(1, whole.ExitCode);
        Assert.Contains($"snapshot written to {file}", Minivmm.Run(Limit, "--machine", machine, "--snapshot-at", $"{at}:{file}").Stderr);

        var after = Minivmm.Run(Limit, "--machine", machine, "--restore", file);

        Assert.Equal(1, after.ExitCode);
        Assert.Contains(printedAfterRestore, after.Stdout);
        Assert.DoesNotContain("smp guest", after.Stdout); // printed before the snapshot
        Assert.EndsWith(after.Stdout, whole.Stdout);
    }
}
