namespace MiniVmm.Tests;

public partial class SwapTests
{
    [Fact]
    public void The_interrupt_controller_is_swapped_and_the_timer_ticks_still_arrive()
    {
        // configs/idle.json: the PIT's 100 Hz through the 8259 wakes a HLT loop that prints a dot per
        // 100 ticks. After `swap pic` (the same build, loaded again) the lines and the vCPU's INTR lead
        // to the new 8259, which took the old one's masks and vector base: the dots go on.
        string swapped = "";
        var result = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            Thread.Sleep(1500);
            swapped = monitor.Send("swap pic");
        }, "--machine", Path.Combine(Minivmm.Configs, "idle.json"), "--accel", "soft", "--timeout", "6s", "--monitor", "tcp:127.0.0.1:0");

        Assert.Matches(@"^swapped pic: I8259 \S+ -> I8259 \S+ \(state version \d+ -> \d+\)$", swapped);
        Assert.Equal(124, result.ExitCode);
        int dots = result.Stdout.Count(c => c == '.');
        Assert.True(dots >= 4, $"{dots} dots in 6 s (the swap came after 1.5 s): {result.Stdout}");
    }
}
