using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>
/// A clock that moves only when the test says so. Timers fire, in deadline order, on the test's
/// thread inside <see cref="AdvanceNanoseconds"/> when the clock passes their deadline.
/// </summary>
public sealed class ManualClock : IClock
{
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _now;

    public long NowNanoseconds => Interlocked.Read(ref _now);

    /// <summary>How many timers are armed now.</summary>
    public int ArmedTimers
    {
        get
        {
            lock (_lock)
                return _timers.Count(t => t.IsArmed);
        }
    }

    public IDeviceTimer CreateTimer(Action callback)
    {
        var timer = new ManualTimer(this, callback);
        lock (_lock)
            _timers.Add(timer);
        return timer;
    }

    public void Advance(TimeSpan by) => AdvanceNanoseconds(by.Ticks * 100);

    /// <summary>Moves time forward, stopping at each due deadline to run its timer (so callbacks see their own deadline as "now").</summary>
    public void AdvanceNanoseconds(long nanoseconds)
    {
        if (nanoseconds < 0)
            throw new ArgumentOutOfRangeException(nameof(nanoseconds), "time does not run backwards");
        long target = NowNanoseconds + nanoseconds;
        while (true)
        {
            ManualTimer? due;
            lock (_lock)
                due = _timers.Where(t => t.IsArmed && t.Deadline <= target).MinBy(t => t.Deadline);
            if (due == null)
                break;
            Interlocked.Exchange(ref _now, Math.Max(NowNanoseconds, due.Deadline));
            due.Fire();
        }
        Interlocked.Exchange(ref _now, target);
    }

    private void Remove(ManualTimer timer)
    {
        lock (_lock)
            _timers.Remove(timer);
    }

    private sealed class ManualTimer(ManualClock clock, Action callback) : IDeviceTimer
    {
        public long Deadline { get; private set; }

        public bool IsArmed { get; private set; }

        public void Arm(long deadlineNanoseconds)
        {
            Deadline = deadlineNanoseconds;
            IsArmed = true;
        }

        public void Cancel() => IsArmed = false;

        public void Fire()
        {
            IsArmed = false;
            callback();
        }

        public void Dispose()
        {
            IsArmed = false;
            clock.Remove(this);
        }
    }
}
