namespace Hypervisor.Core.Accel;

/// <summary>What a data watchpoint fires on (gdb's Z2, Z3 and Z4).</summary>
public enum WatchKind
{
    Write,
    Read,
    Access,
}

/// <summary>A data watchpoint: <see cref="Length"/> bytes at the linear address <see cref="Address"/>.</summary>
public readonly record struct Watchpoint(ulong Address, int Length, WatchKind Kind)
{
    /// <summary>True when an access of <paramref name="size"/> bytes at <paramref name="address"/> overlaps the watched bytes.</summary>
    public bool Overlaps(ulong address, int size) => address < Address + (ulong)Length && Address < address + (ulong)size;

    /// <summary>True when an access of this direction fires the watchpoint.</summary>
    public bool FiresOn(bool write) => Kind == WatchKind.Access || (Kind == WatchKind.Write) == write;
}

/// <summary>
/// A debugger's hold on a vCPU, as in <c>KVM_SET_GUEST_DEBUG</c>: single-step, breakpoints by linear
/// address (the debugger's, invisible to the guest, which keeps its own DR0-DR7) and watchpoints.
/// Software breakpoints an accelerator patches into memory (<see cref="IVcpuDebug.PatchesSoftwareBreakpoints"/>)
/// are the debugger's business; the rest are checked by the accelerator before each instruction.
/// </summary>
public sealed record GuestDebug(bool SingleStep, IReadOnlyList<ulong> Breakpoints, IReadOnlyList<Watchpoint> Watchpoints)
{
    /// <summary>Attached, but nothing to stop at: the guest runs.</summary>
    public static GuestDebug Running { get; } = new(false, [], []);
}

/// <summary>Why a <see cref="VcpuExitReason.Debug"/> exit happened (KVM_EXIT_DEBUG's DR6 and exception, decoded).</summary>
public enum DebugStopKind
{
    None,
    /// <summary>One instruction ran under <see cref="GuestDebug.SingleStep"/>.</summary>
    SingleStep,
    /// <summary>EIP reached a breakpoint; the instruction there has not run.</summary>
    Breakpoint,
    /// <summary>An instruction touched a watchpoint; it has run (a trap, as on x86 hardware).</summary>
    Watchpoint,
}

/// <summary>
/// An accelerator's debugging support for one vCPU; an <see cref="IVcpu"/> implements it when it can
/// be debugged. Called only on the vCPU's own thread, between <see cref="IVcpu.Run"/> calls.
/// </summary>
public interface IVcpuDebug
{
    /// <summary>Attaches (or, with null, detaches) the debugger's breakpoints, watchpoints and single-step.</summary>
    void SetGuestDebug(GuestDebug? debug);

    /// <summary>
    /// True when software breakpoints are INT3 bytes the debugger writes into guest memory while the
    /// guest runs (KVM); false when <see cref="GuestDebug.Breakpoints"/> are checked by the CPU (software CPU).
    /// </summary>
    bool PatchesSoftwareBreakpoints { get; }

    /// <summary>At most this many hardware breakpoints and watchpoints together (x86 DR0-DR3: 4); or int.MaxValue.</summary>
    int HardwareSlots { get; }

    /// <summary>Translates a linear address through the guest's current paging (KVM_TRANSLATE); false when not mapped.</summary>
    bool TryTranslate(ulong linear, out ulong physical);
}
