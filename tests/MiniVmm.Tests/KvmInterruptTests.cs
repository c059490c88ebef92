namespace MiniVmm.Tests;

/// <summary>
/// KVM without an in-kernel irqchip: the i8259 plugin's vectors reach the guest through KVM_INTERRUPT
/// (as QEMU's kernel-irqchip=off), and a halted guest sleeps until the next one instead of spinning.
/// </summary>
public class KvmInterruptTests
{
    [KvmFact]
    public void Pit_interrupts_through_the_userspace_pic_wake_a_halted_kvm_guest()
    {
        // configs/idle.json: PIT at 100 Hz, HLT loop, one dot per 100 ticks.
        var result = Minivmm.Run(TimeSpan.FromSeconds(30), "--machine", "configs/idle.json", "--accel", "kvm", "--timeout", "3s", "--stats");

        Assert.Equal(124, result.ExitCode);
        Assert.StartsWith("idle guest: 100 Hz timer", result.Stdout);
        Assert.Contains(".", result.Stdout);   // at least 100 ticks were delivered
        // Each HLT waits for a tick: a few hundred in 3 s. A vCPU that spun on HLT would show ~10^5.
        var halts = System.Text.RegularExpressions.Regex.Match(result.Stderr, @"Hlt\s+(\d+)");
        Assert.True(halts.Success, result.Stderr);
        Assert.InRange(long.Parse(halts.Groups[1].Value), 1, 3000);
    }
}
