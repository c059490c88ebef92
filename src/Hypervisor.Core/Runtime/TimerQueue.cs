using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's armed device timers, ordered by deadline. A clock decides when "now" passes a
/// deadline (host time on a timer thread, or executed instructions on the vCPU thread) and calls
/// <see cref="RunExpired"/>.
/// </summary>
public sealed class TimerQueue
{
    private readonly object _lock = new();
    private readonly PriorityQueue<QueuedTimer, long> _queue = new();

    /// <summary>Raised (outside the lock) when a new deadline may be earlier than the one a waiter sleeps towards.</summary>
    public event Action? DeadlinesChanged;

    public IDeviceTimer Create(Action callback) => new QueuedTimer(this, callback);

    /// <summary>The earliest armed deadline, or null.</summary>
    public long? NextDeadline
    {
        get
        {
            lock (_lock)
            {
                while (_queue.TryPeek(out var timer, out long deadline))
                {
                    if (timer.IsArmed && timer.Deadline == deadline)
                        return deadline;
                    _queue.Dequeue(); // a stale entry: cancelled or re-armed since
                }
                return null;
            }
        }
    }

    /// <summary>Runs every timer whose deadline is at or before <paramref name="now"/>, earliest first.</summary>
    public void RunExpired(long now)
    {
        while (true)
        {
            QueuedTimer? due = null;
            lock (_lock)
            {
                while (_queue.TryPeek(out var timer, out long deadline))
                {
                    if (!timer.IsArmed || timer.Deadline != deadline)
                    {
                        _queue.Dequeue();
                        continue;
                    }
                    if (deadline > now)
                        break;
                    _queue.Dequeue();
                    timer.IsArmed = false;
                    due = timer;
                    break;
                }
            }
            if (due == null)
                return;
            due.Callback();
        }
    }

    private void Arm(QueuedTimer timer, long deadline)
    {
        lock (_lock)
        {
            timer.Deadline = deadline;
            timer.IsArmed = true;
            _queue.Enqueue(timer, deadline);
        }
        DeadlinesChanged?.Invoke();
    }

    private sealed class QueuedTimer(TimerQueue queue, Action callback) : IDeviceTimer
    {
        public Action Callback { get; } = callback;

        public long Deadline { get; set; }

        public bool IsArmed { get; set; }

        public void Arm(long deadlineNanoseconds) => queue.Arm(this, deadlineNanoseconds);

        public void Cancel()
        {
            lock (queue._lock)
                IsArmed = false;
        }

        public void Dispose() => Cancel();
    }
}
