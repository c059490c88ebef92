namespace Hypervisor.Core.Runtime;

/// <summary>
/// Guest time that advances with executed instructions (like QEMU's icount): one instruction is
/// <see cref="NanosecondsPerInstruction"/> ns, and a halted vCPU jumps straight to the next timer
/// deadline. The same guest therefore always sees the same times and interrupt order, whatever the
/// host is doing. Timers fire on the vCPU thread.
/// </summary>
public sealed class DeterministicClock(Func<ulong> instructionsRetired) : MachineClock
{
    /// <summary>
    /// A 1 GHz, one-instruction-per-cycle machine. MINIVMM_ICOUNT_NS (1-1000) slows it for debugging:
    /// e.g. 40 gives a guest the interrupt density it sees on the host clock at 25 MIPS, repeatably.
    /// </summary>
    public static readonly long NanosecondsPerInstruction =
        long.TryParse(Environment.GetEnvironmentVariable("MINIVMM_ICOUNT_NS"), out long ns) && ns is >= 1 and <= 1000 ? ns : 1;

    // Time skipped while halted.
    private long _skipped;

    public override bool Deterministic => true;

    public override long NowNanoseconds => (long)instructionsRetired() * NanosecondsPerInstruction + Interlocked.Read(ref _skipped);

    public override ulong NextStopInstruction
    {
        get
        {
            if (Timers.NextDeadline is not { } deadline)
                return ulong.MaxValue;
            long remaining = Math.Max(0, deadline - NowNanoseconds);
            return instructionsRetired() + (ulong)((remaining + NanosecondsPerInstruction - 1) / NanosecondsPerInstruction);
        }
    }

    /// <summary>Time skipped while halted is what the retired instructions do not account for.</summary>
    public override void ContinueFrom(long nowNanoseconds)
        => Interlocked.Exchange(ref _skipped, nowNanoseconds - (long)instructionsRetired() * NanosecondsPerInstruction);

    public override void RunDueTimers() => Timers.RunExpired(NowNanoseconds);

    public override bool WaitWhileHalted(Func<bool> woken, WaitHandle stopping, WaitHandle interruptLineChanged)
    {
        if (woken())
            return true;
        if (Timers.NextDeadline is not { } deadline)
            return false; // no timer will ever fire: the guest sleeps forever
        long now = NowNanoseconds;
        if (deadline > now)
            Interlocked.Add(ref _skipped, deadline - now);
        RunDueTimers();
        return true;
    }
}
