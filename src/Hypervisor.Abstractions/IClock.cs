namespace Hypervisor.Abstractions;

/// <summary>
/// Guest-visible time, one service for the whole machine. In <c>host</c> mode it follows the host's
/// monotonic clock; in <c>deterministic</c> mode it advances with executed instructions (like
/// QEMU's icount), so a guest always sees the same timing and the same interrupt order.
/// </summary>
public interface IClock
{
    /// <summary>Nanoseconds since the machine powered on.</summary>
    long NowNanoseconds { get; }

    /// <summary>
    /// True in <c>deterministic</c> mode: a device that would do work on its own thread (an I/O
    /// thread) does it on the vCPU instead, so the run repeats exactly.
    /// </summary>
    bool Deterministic => false;

    /// <summary>
    /// Creates a one-shot timer. Its callback runs once the clock reaches the armed deadline, on a
    /// machine thread that is not the caller's (so a device must guard state it shares with its
    /// bus accesses), and never while the device is being disposed. Re-arm it from the callback
    /// for periodic events.
    /// </summary>
    IDeviceTimer CreateTimer(Action callback);
}

/// <summary>A one-shot timer on the machine's clock.</summary>
public interface IDeviceTimer : IDisposable
{
    /// <summary>Fires the callback when the clock reaches <paramref name="deadlineNanoseconds"/>; replaces any earlier deadline.</summary>
    void Arm(long deadlineNanoseconds);

    /// <summary>Disarms the timer; a callback already running is not interrupted.</summary>
    void Cancel();

    /// <summary>True while a deadline is pending.</summary>
    bool IsArmed { get; }

    /// <summary>The last armed deadline in nanoseconds (meaningful while <see cref="IsArmed"/>): what a device saves in its state to arm the timer again on restore.</summary>
    long Deadline { get; }
}
