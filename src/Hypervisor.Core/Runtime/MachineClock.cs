using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's one clock service (<see cref="IClock"/> for devices) plus what the vCPU loop
/// needs from it: where the vCPU must stop so a timer can fire, and how to wait while the guest
/// is halted. <see cref="HostClock"/> follows real time; <see cref="DeterministicClock"/> follows
/// executed instructions.
/// </summary>
public abstract class MachineClock : IClock, IDisposable
{
    protected TimerQueue Timers { get; } = new();

    public abstract long NowNanoseconds { get; }

    public virtual bool Deterministic => false;

    public virtual IDeviceTimer CreateTimer(Action callback) => Timers.Create(callback);

    /// <summary>
    /// The retired-instruction count at which the vCPU must leave Run so the next timer can fire,
    /// or <see cref="ulong.MaxValue"/> when timers do not depend on the vCPU.
    /// </summary>
    public virtual ulong NextStopInstruction => ulong.MaxValue;

    /// <summary>Runs the timers that are due now (the vCPU loop calls this after each exit).</summary>
    public virtual void RunDueTimers() { }

    /// <summary>
    /// Called while the guest is halted and waits for an interrupt: returns once
    /// <paramref name="woken"/> may have become true (an interrupt line changed, a timer fired) or
    /// <paramref name="stopping"/> is set. Returns false when nothing can ever wake the guest.
    /// </summary>
    public abstract bool WaitWhileHalted(Func<bool> woken, WaitHandle stopping, WaitHandle interruptLineChanged);

    /// <summary>
    /// Continues guest time from <paramref name="nowNanoseconds"/>, a snapshot's time (after the vCPUs'
    /// retired counts are restored): the next reading of <see cref="NowNanoseconds"/> starts there.
    /// </summary>
    public abstract void ContinueFrom(long nowNanoseconds);

    public virtual void Dispose() { }
}
