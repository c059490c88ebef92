using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Interrupt and exception delivery (SDM Vol. 3, chapter 6): the real-mode IVT; in protected mode
/// IDT interrupt and trap gates (16 and 32-bit), gate privilege for INT n, the inner-privilege
/// stack switch from the TSS, error codes; double fault and triple fault (a Shutdown exit).
/// </summary>
internal sealed partial class Cpu
{
    private enum InterruptKind { Exception, Software, External }

    /// <summary>EXT bit of an error code: the event was not caused by the program (external or nested).</summary>
    private uint _ext;

    private static bool IsContributory(byte v) => v is Vector.DE or Vector.TS or Vector.NP or Vector.SS or Vector.GP;

    /// <summary>
    /// Delivers an exception raised by an instruction, escalating to #DF and to a triple fault per
    /// SDM Table 6-5. Returns false when the CPU shut down (Exit holds Shutdown).
    /// </summary>
    private bool RaiseException(byte vector, uint errorCode, bool hasErrorCode)
    {
        var saved = SaveDeliveryState();
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                _taskSwitched = false;
                DeliverInterrupt(vector, errorCode, hasErrorCode, InterruptKind.Exception);
                _ext = 0;
                return true;
            }
            catch (GuestFault second)
            {
                // A fault after a task switch committed is delivered in the new task.
                if (_taskSwitched)
                    saved = SaveDeliveryState();
                RestoreDeliveryState(saved);
                _ext = 1;
                if (vector == Vector.DF || attempt > 4)
                {
                    _ext = 0;
                    Exit.Reason = VcpuExitReason.Shutdown;
                    Exit.Message = $"triple fault at {CsEip()}: #{second.Vector} while delivering #DF";
                    return false;
                }
                bool escalate = (IsContributory(vector) && IsContributory(second.Vector))
                    || (vector == Vector.PF && (IsContributory(second.Vector) || second.Vector == Vector.PF));
                if (escalate)
                {
                    vector = Vector.DF;
                    errorCode = 0;
                    hasErrorCode = true;
                }
                else
                {
                    vector = second.Vector;
                    errorCode = second.ErrorCode;
                    hasErrorCode = second.HasErrorCode;
                }
            }
        }
    }

    private (ulong Rip, ulong Rsp, uint Flags, int Cpl, SegmentCache Cs, SegmentCache Ss) SaveDeliveryState() =>
        (Rip, R64(Gpr.ESP), Flags, Cpl, Segs[Seg.CS], Segs[Seg.SS]);

    private void RestoreDeliveryState((ulong Rip, ulong Rsp, uint Flags, int Cpl, SegmentCache Cs, SegmentCache Ss) s)
    {
        Rip = s.Rip;
        R64(Gpr.ESP) = s.Rsp;
        Flags = s.Flags;
        Cpl = s.Cpl;
        Segs[Seg.CS] = s.Cs;
        Segs[Seg.SS] = s.Ss;
        StateChanged();
    }

    private void DeliverExternalInterrupt(byte vector)
    {
        _instrRip = Rip;
        _instrRsp = R64(Gpr.ESP);
        _ext = 1;
        try
        {
            DeliverInterrupt(vector, 0, false, InterruptKind.External);
        }
        finally
        {
            _ext = 0;
        }
    }

    /// <summary>INT n / INT3: a trap through the IDT with the gate-DPL check.</summary>
    private void SoftwareInterrupt(byte vector)
    {
        if (V86Mode && Iopl < 3)
            throw GP();
        DeliverInterrupt(vector, 0, false, InterruptKind.Software);
    }

    private void Into()
    {
        if ((Flags & Eflags.OF) != 0)
            SoftwareInterrupt(Vector.OF);
    }

    /// <summary>INT1 (ICEBP): like a hardware #DB, without the gate-DPL check.</summary>
    private void RaiseTrap(byte vector) => DeliverInterrupt(vector, 0, false, InterruptKind.Exception);

    private void DeliverInterrupt(byte vector, uint errorCode, bool hasErrorCode, InterruptKind kind)
    {
        if (_interruptTrace != null)
            TraceInterrupt(vector, errorCode, hasErrorCode, kind);
        _suppressSingleStep = true;
        if (!ProtectedMode)
        {
            DeliverRealMode(vector);
            return;
        }
        if (LongModeActive)
        {
            DeliverLongMode(vector, errorCode, hasErrorCode, kind);
            return;
        }
        uint idtError = (uint)(vector * 8 + 2) | _ext;
        if ((uint)(vector * 8 + 7) > IdtLimit)
            throw GP(idtError);
        var gate = new Descriptor(ReadSystem(IdtBase + (uint)vector * 8, 4), ReadSystem(IdtBase + (uint)vector * 8 + 4, 4));
        if (gate.S || gate.Type is not (SystemType.InterruptGate16 or SystemType.InterruptGate32
                or SystemType.TrapGate16 or SystemType.TrapGate32 or SystemType.TaskGate))
            throw GP(idtError);
        if (kind == InterruptKind.Software && gate.Dpl < Cpl)
            throw GP(idtError);
        if (!gate.Present)
            throw Fault(Vector.NP, idtError);
        if (gate.Type == SystemType.TaskGate)
        {
            TaskSwitchThroughGate(gate.GateSelector, TaskSource.Interrupt, errorCode, hasErrorCode, _ext);
            return;
        }

        ushort sel = gate.GateSelector;
        uint selError = (uint)(sel & ~SelectorRplMask) | _ext;
        if ((sel & ~SelectorRplMask) == 0)
            throw GP(_ext);
        if (!TryReadDescriptor(sel, out var code, out _))
            throw GP(selError);
        if (!code.IsCode || code.Dpl > Cpl)
            throw GP(selError);
        if (!code.Present)
            throw Fault(Vector.NP, selError);
        bool gate32 = gate.Type is SystemType.InterruptGate32 or SystemType.TrapGate32;
        int size = gate32 ? 4 : 2;
        uint offset = gate32 ? gate.GateOffset : gate.GateOffset & 0xFFFF;
        if (V86Mode)
        {
            DeliverFromV86(code, sel, gate32, gate.Type is SystemType.InterruptGate16 or SystemType.InterruptGate32,
                offset, errorCode, hasErrorCode);
            return;
        }
        uint oldFlags = Flags;
        ushort oldCs = Segs[Seg.CS].Selector;
        uint oldEip = (uint)Rip;

        if (!code.IsConforming && code.Dpl < Cpl)
        {
            int newCpl = code.Dpl;
            var (ss, _, esp) = ReadTssStack(newCpl, _ext);
            ushort oldSs = Segs[Seg.SS].Selector;
            uint oldEsp = R(Gpr.ESP);
            Segs[Seg.SS] = ss;
            Cpl = newCpl;
            StateChanged();
            R(Gpr.ESP) = esp;
            PushValue(oldSs, size);
            PushValue(oldEsp, size);
        }
        PushValue(oldFlags, size);
        PushValue(oldCs, size);
        PushValue(oldEip, size);
        if (hasErrorCode)
            PushValue(errorCode, size);
        if (offset > code.Limit)
            throw GP(_ext);
        SetCs(code, sel, code.IsConforming ? Cpl : code.Dpl);
        Rip = offset;
        Flags &= ~(Eflags.TF | Eflags.NT | Eflags.RF | Eflags.VM);
        if (gate.Type is SystemType.InterruptGate16 or SystemType.InterruptGate32)
            Flags &= ~Eflags.IF;
    }

    private void DeliverRealMode(byte vector)
    {
        uint entry = (uint)vector * 4;
        if (entry + 3 > IdtLimit)
            throw GP();
        uint target = ReadLinear32(IdtBase + entry);
        PushValue(Flags & 0xFFFF, 2);
        PushValue(Segs[Seg.CS].Selector, 2);
        PushValue(Rip & 0xFFFF, 2);
        Flags &= ~(Eflags.IF | Eflags.TF | Eflags.AC);
        SetRealCs((ushort)(target >> 16));
        Rip = target & 0xFFFF;
    }

    private void Iret(int size)
    {
        if (_nmiBlocked)
            NmiIret();
        if (!ProtectedMode)
        {
            uint ip = PeekStack32(0, size);
            ushort cs = (ushort)PeekStack32((uint)size, size);
            uint flags = PeekStack32((uint)(2 * size), size);
            SetStackPointer(StackPointer + (uint)(3 * size));
            SetRealCs(cs);
            Rip = size == 2 ? ip & 0xFFFF : ip;
            WriteFlags(flags, size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
            return;
        }
        if (V86Mode)
        {
            IretInV86(size);
            return;
        }
        if ((Flags & Eflags.NT) != 0)
        {
            TaskReturn();
            return;
        }
        uint eip = PeekStack32(0, size);
        ushort sel = (ushort)PeekStack32((uint)size, size);
        uint newFlags = PeekStack32((uint)(2 * size), size);
        if (size == 4 && (newFlags & Eflags.VM) != 0 && Cpl == 0)
        {
            IretToV86();
            return;
        }
        int rpl = sel & SelectorRplMask;
        var d = ReturnCodeSegment(sel);
        uint mask = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
        if (rpl == Cpl)
        {
            if (eip > d.Limit)
                throw GP();
            SetStackPointer(StackPointer + (uint)(3 * size));
            SetCs(d, sel, Cpl);
            Rip = eip;
            WriteFlags(newFlags, mask);
            IretRestoresRf(newFlags, size);
            return;
        }
        uint outerEsp = PeekStack32((uint)(3 * size), size);
        ushort ssSel = (ushort)PeekStack32((uint)(4 * size), size);
        var ss = CheckOuterStack(ssSel, rpl);
        if (eip > d.Limit)
            throw GP();
        WriteFlags(newFlags, mask); // with the old CPL's rules
        IretRestoresRf(newFlags, size);
        SetCs(d, sel, rpl);
        Segs[Seg.SS] = ss;
        StateChanged();
        R(Gpr.ESP) = Stack32 ? outerEsp : (R(Gpr.ESP) & 0xFFFF0000) | (outerEsp & 0xFFFF);
        Rip = eip;
        InvalidateSegmentsForOuterLevel();
    }
}
