using System.Diagnostics;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Guest time that follows the host's monotonic clock from power-on. Device timers fire on one
/// background thread that sleeps until the earliest deadline, so an idle guest costs nothing.
/// </summary>
public sealed class HostClock : MachineClock
{
    private readonly long _start = Stopwatch.GetTimestamp();
    // Guest time before this process's start (a restored snapshot's), in nanoseconds.
    private long _offset;
    private readonly AutoResetEvent _changed = new(false);
    private readonly object _threadLock = new();
    private Thread? _thread;
    private volatile bool _disposed;

    public HostClock() => Timers.DeadlinesChanged += () => _changed.Set();

    public override long NowNanoseconds => Stopwatch.GetElapsedTime(_start).Ticks * 100 + Interlocked.Read(ref _offset);

    public override void ContinueFrom(long nowNanoseconds)
    {
        Interlocked.Exchange(ref _offset, nowNanoseconds - Stopwatch.GetElapsedTime(_start).Ticks * 100);
        _changed.Set();
    }

    public override IDeviceTimer CreateTimer(Action callback)
    {
        lock (_threadLock)
        {
            if (_thread == null)
            {
                _thread = new Thread(RunTimers) { Name = "timers", IsBackground = true };
                _thread.Start();
            }
        }
        return base.CreateTimer(callback);
    }

    private void RunTimers()
    {
        while (!_disposed)
        {
            Timers.RunExpired(NowNanoseconds);
            long? next = Timers.NextDeadline;
            // Round the sleep up to whole milliseconds: the OS wait cannot do less, and rounding
            // down would wake early and spin until the deadline (10% of a core at 100 Hz).
            int wait = next is { } deadline
                ? (int)Math.Clamp((deadline - NowNanoseconds + 999_999) / 1_000_000, 0, 1000)
                : 1000;
            _changed.WaitOne(wait);
        }
    }

    public override bool WaitWhileHalted(Func<bool> woken, WaitHandle stopping, WaitHandle interruptLineChanged)
    {
        // Timers fire on their own thread and raise lines; the halted vCPU just sleeps until one changes.
        if (!woken())
            WaitHandle.WaitAny([stopping, interruptLineChanged], TimeSpan.FromSeconds(1));
        return true;
    }

    public override void Dispose()
    {
        _disposed = true;
        _changed.Set();
        _thread?.Join(TimeSpan.FromSeconds(2));
    }
}
