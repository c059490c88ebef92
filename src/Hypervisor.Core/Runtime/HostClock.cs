using System.Diagnostics;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Guest time that follows the host's monotonic clock from power-on. Device timers fire on one
/// background thread that sleeps until the earliest deadline, so an idle guest costs nothing.
/// </summary>
public sealed class HostClock : IClock, IDisposable
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimerQueue _timers = new();
    private readonly AutoResetEvent _changed = new(false);
    private Thread? _thread;
    private volatile bool _disposed;

    public HostClock() => _timers.DeadlinesChanged += () => _changed.Set();

    public long NowNanoseconds => (long)(Stopwatch.GetElapsedTime(_start).Ticks * 100);

    public IDeviceTimer CreateTimer(Action callback)
    {
        lock (_timers)
        {
            _thread ??= StartThread();
        }
        return _timers.Create(callback);
    }

    private Thread StartThread()
    {
        var thread = new Thread(RunTimers) { Name = "timers", IsBackground = true };
        thread.Start();
        return thread;
    }

    private void RunTimers()
    {
        while (!_disposed)
        {
            _timers.RunExpired(NowNanoseconds);
            long? next = _timers.NextDeadline;
            var wait = next is { } deadline
                ? TimeSpan.FromTicks(Math.Clamp((deadline - NowNanoseconds) / 100, 0, TimeSpan.TicksPerSecond))
                : TimeSpan.FromSeconds(1);
            _changed.WaitOne(wait);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _changed.Set();
        _thread?.Join(TimeSpan.FromSeconds(2));
    }
}
