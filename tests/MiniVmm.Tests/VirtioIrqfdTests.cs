namespace MiniVmm.Tests;

/// <summary>
/// The virtioirq test guest (guests/pc/virtioirq.S) on configs/virtio-irq.json: 32 virtio-blk reads,
/// each waited for in HLT until the device's interrupt (IRQ 5, level-triggered, KVM's in-kernel
/// 8259), which minivmm raises through KVM_IRQFD in resample mode; on the software CPU the same
/// machine gets the i8259 plugin (level-triggered through its ELCR) and the line goes through it.
/// </summary>
public class VirtioIrqfdTests
{
    private const string Expected = "virtioirq\n" +
        "device 00000002 status 0000000f\n" +
        "interrupts 00000020 without status 00000000 used 00000020 status 00000000 text virtio-blk sector 1\n";

    [KvmFact]
    public void Each_request_brings_exactly_one_interrupt_through_irqfd()
    {
        var result = Minivmm.Run("--machine", "configs/virtio-irq.json", "--stats", "--log-level", "information");

        Assert.Equal(Expected, result.Stdout);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("IRQ 5 raised through irqfd", result.Stderr);
        // At least one raise per request; a resample that runs late (after the next request's status
        // is set) raises the already raised line once more, which the guest never sees.
        var raises = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"irqfd: IRQ 5 raised (\d+) times through KVM_IRQFD");
        Assert.True(raises.Success, result.Stderr);
        Assert.InRange(int.Parse(raises.Groups[1].Value), 32, 64);
    }

    [Fact]
    public void On_the_software_cpu_the_same_guest_takes_the_same_interrupts_through_the_pic_plugin()
    {
        var result = Minivmm.Run("--machine", "configs/virtio-irq.json", "--accel", "soft", "--stats", "--log-level", "information");

        Assert.Equal(Expected, result.Stdout);
        Assert.Equal(1, result.ExitCode);
        Assert.DoesNotContain("irqfd: IRQ", result.Stderr);
    }
}
