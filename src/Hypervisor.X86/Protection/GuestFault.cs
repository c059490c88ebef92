namespace Hypervisor.X86.Cpu;

/// <summary>
/// A processor exception raised by an instruction (#GP, #PF, ...). Thrown to unwind the instruction,
/// caught by the executor and delivered to the guest. One instance per CPU is reused, so raising a
/// fault allocates nothing.
/// </summary>
internal sealed class GuestFault : Exception
{
    public byte Vector;
    public uint ErrorCode;
    public bool HasErrorCode;

    public GuestFault Set(byte vector, uint errorCode, bool hasErrorCode)
    {
        Vector = vector;
        ErrorCode = errorCode;
        HasErrorCode = hasErrorCode;
        return this;
    }
}

/// <summary>
/// Unwinds the current instruction because the VMM is needed before it can finish (an MMIO load
/// whose data the next Run() supplies, or a second MMIO access while one is pending). The
/// instruction restarts from its first byte on the next Run(), replaying the accesses already done.
/// </summary>
internal sealed class VmExitSignal : Exception;

internal sealed partial class Cpu
{
    private readonly GuestFault _fault;
    private readonly VmExitSignal _exitSignal;

    /// <summary>Exceptions that push an error code (SDM Table 6-1).</summary>
    private static bool PushesErrorCode(byte vector) =>
        vector is Vector.DF or Vector.TS or Vector.NP or Vector.SS or Vector.GP or Vector.PF or Vector.AC;

    public GuestFault Fault(byte vector, uint errorCode = 0) =>
        _fault.Set(vector, errorCode, PushesErrorCode(vector));

    public GuestFault GP(uint errorCode = 0) => Fault(Vector.GP, errorCode);

    public GuestFault UD() => Fault(Vector.UD);
}
