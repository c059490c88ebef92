using Hypervisor.Core.Runtime;

namespace Hypervisor.Core.Tests.Runtime;

public class ClockTests
{
    [Fact]
    public void Timer_queue_runs_due_timers_in_deadline_order_and_skips_cancelled_ones()
    {
        var queue = new TimerQueue();
        var fired = new List<string>();
        var late = queue.Create(() => fired.Add("late"));
        var early = queue.Create(() => fired.Add("early"));
        var cancelled = queue.Create(() => fired.Add("cancelled"));
        late.Arm(300);
        early.Arm(100);
        cancelled.Arm(50);
        cancelled.Cancel();

        queue.RunExpired(200);
        Assert.Equal(["early"], fired);
        Assert.Equal(300, queue.NextDeadline);

        queue.RunExpired(1000);
        Assert.Equal(["early", "late"], fired);
        Assert.Null(queue.NextDeadline);
    }

    [Fact]
    public void Re_arming_replaces_the_earlier_deadline()
    {
        var queue = new TimerQueue();
        int count = 0;
        var timer = queue.Create(() => count++);
        timer.Arm(100);
        timer.Arm(500);

        queue.RunExpired(200);
        Assert.Equal(0, count);
        queue.RunExpired(500);
        Assert.Equal(1, count);
    }

    [Fact]
    public void Deterministic_time_follows_instructions_and_tells_the_vcpu_where_to_stop()
    {
        ulong retired = 0;
        using var clock = new DeterministicClock(() => retired);
        var ticks = new List<long>();
        var timer = clock.CreateTimer(() => ticks.Add(clock.NowNanoseconds));
        timer.Arm(1000);

        Assert.Equal(1000UL, clock.NextStopInstruction);
        retired = 999;
        clock.RunDueTimers();
        Assert.Empty(ticks);
        retired = 1000;
        clock.RunDueTimers();
        Assert.Equal([1000L], ticks);
        Assert.Equal(ulong.MaxValue, clock.NextStopInstruction);
    }

    [Fact]
    public void A_halted_deterministic_guest_jumps_to_the_next_deadline()
    {
        ulong retired = 10;
        using var clock = new DeterministicClock(() => retired);
        bool interrupt = false;
        var timer = clock.CreateTimer(() => interrupt = true);
        timer.Arm(5_000_000);
        using var stop = new ManualResetEvent(false);
        using var lineChanged = new AutoResetEvent(false);

        Assert.True(clock.WaitWhileHalted(() => interrupt, stop, lineChanged));
        Assert.True(interrupt);
        Assert.Equal(5_000_000, clock.NowNanoseconds);
        // Nothing armed any more: nothing can wake the guest.
        interrupt = false;
        Assert.False(clock.WaitWhileHalted(() => interrupt, stop, lineChanged));
    }

    [Fact]
    public void Host_clock_timers_fire_on_their_own_thread()
    {
        using var clock = new HostClock();
        using var fired = new ManualResetEventSlim();
        var timer = clock.CreateTimer(fired.Set);
        timer.Arm(clock.NowNanoseconds + 20_000_000);

        Assert.True(fired.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(clock.NowNanoseconds >= 20_000_000);
    }
}
