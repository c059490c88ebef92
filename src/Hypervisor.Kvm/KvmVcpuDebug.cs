using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// A debugger on a KVM vCPU: KVM_SET_GUEST_DEBUG with single-step, INT3 breakpoints (the debugger
/// patches them into memory; #BP exits instead of reaching the guest) and hardware breakpoints and
/// watchpoints in the debugger's own DR0-DR3/DR7; KVM_TRANSLATE for linear addresses; and
/// KVM_EXIT_DEBUG's exception and DR6 decoded into a <see cref="DebugStopKind"/>.
/// </summary>
public sealed unsafe partial class KvmVcpu
{
    private const int DebugSlots = 4;
    private const uint DebugVector = 1;
    private const uint BreakpointVector = 3;
    private const ulong Dr6SingleStep = 1UL << 14;
    /// <summary>DR7 bits QEMU sets too: GE (exact data breakpoints) and bit 10, which reads as 1.</summary>
    private const ulong Dr7Base = 0x600;
    private const int Dr7ExecuteBreakpoint = 0, Dr7DataWrite = 1, Dr7DataReadWrite = 3;

    /// <summary>What each of DR0-DR3 holds while the debugger runs the guest (for decoding DR6).</summary>
    private readonly (ulong Address, bool IsWatchpoint)[] _debugSlots = new (ulong, bool)[DebugSlots];

    /// <summary>INT3 bytes are written into guest memory by the debugger while the guest runs.</summary>
    public bool PatchesSoftwareBreakpoints => true;

    /// <summary>x86 has four debug address registers, shared by hardware breakpoints and watchpoints.</summary>
    public int HardwareSlots => DebugSlots;

    public void SetGuestDebug(GuestDebug? debug)
    {
        var request = new KvmGuestDebug();
        if (debug != null)
        {
            request.Control = KvmGuestDebugFlags.Enable | KvmGuestDebugFlags.UseSwBp | (debug.SingleStep ? KvmGuestDebugFlags.SingleStep : 0);
            ulong dr7 = Dr7Base;
            int n = 0;
            foreach (ulong address in debug.Breakpoints)
                dr7 |= Slot(ref request, n++, address, Dr7ExecuteBreakpoint, 1, isWatchpoint: false);
            foreach (var w in debug.Watchpoints)
                dr7 |= Slot(ref request, n++, w.Address, w.Kind == WatchKind.Write ? Dr7DataWrite : Dr7DataReadWrite, w.Length, isWatchpoint: true);
            if (n > 0)
            {
                request.Control |= KvmGuestDebugFlags.UseHwBp;
                request.Arch.Debugreg[7] = dr7;
            }
        }
        CheckedIoctl.Call(_vcpu, KvmIoctl.SetGuestDebug, &request, "KVM_SET_GUEST_DEBUG");
    }

    /// <summary>Fills DR<paramref name="n"/>; returns its DR7 bits (G<paramref name="n"/>, R/W, LEN).</summary>
    private ulong Slot(ref KvmGuestDebug request, int n, ulong address, int kind, int length, bool isWatchpoint)
    {
        if (n >= DebugSlots)
            throw new ArgumentException($"more than {DebugSlots} hardware breakpoints and watchpoints");
        ulong lengthBits = length switch
        {
            1 => 0,
            2 => 1,
            8 => 2,
            4 => 3,
            _ => throw new ArgumentException($"a watchpoint of {length} bytes (x86 watches 1, 2, 4 or 8)"),
        };
        if (isWatchpoint && address % (ulong)length != 0)
            throw new ArgumentException($"a watchpoint of {length} bytes at 0x{address:x} is not aligned");
        request.Arch.Debugreg[n] = address;
        _debugSlots[n] = (address, isWatchpoint);
        return (2UL << (2 * n)) | ((ulong)kind << (16 + 4 * n)) | ((kind == Dr7ExecuteBreakpoint ? 0 : lengthBits) << (18 + 4 * n));
    }

    public bool TryTranslate(ulong linear, out ulong physical)
    {
        var translation = new KvmTranslation { LinearAddress = linear };
        CheckedIoctl.Call(_vcpu, KvmIoctl.Translate, &translation, "KVM_TRANSLATE");
        physical = translation.PhysicalAddress;
        return translation.Valid != 0;
    }

    /// <summary>KVM_EXIT_DEBUG: #DB with DR6 (single-step, or which DRn hit) or #BP at pc.</summary>
    private void DecodeDebugExit(in KvmDebugExitArch arch)
    {
        Exit.DebugStop = DebugStopKind.Breakpoint;
        Exit.DebugAddress = arch.Pc;
        if (arch.Exception != DebugVector)
            return; // BreakpointVector: an INT3, the debugger's or the guest's own
        if ((arch.Dr6 & Dr6SingleStep) != 0)
        {
            Exit.DebugStop = DebugStopKind.SingleStep;
            return;
        }
        for (int n = 0; n < DebugSlots; n++)
        {
            if ((arch.Dr6 & (1UL << n)) != 0 && _debugSlots[n].IsWatchpoint)
            {
                Exit.DebugStop = DebugStopKind.Watchpoint;
                Exit.DebugAddress = _debugSlots[n].Address;
                return;
            }
        }
    }
}
