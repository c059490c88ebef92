using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>A clock that moves only when the test says so.</summary>
public sealed class ManualClock : IClock
{
    private long _now;

    public long NowNanoseconds => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => AdvanceNanoseconds(by.Ticks * 100);

    public void AdvanceNanoseconds(long nanoseconds)
    {
        if (nanoseconds < 0)
            throw new ArgumentOutOfRangeException(nameof(nanoseconds), "time does not run backwards");
        Interlocked.Add(ref _now, nanoseconds);
    }
}
