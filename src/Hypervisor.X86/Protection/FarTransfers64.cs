namespace Hypervisor.X86.Cpu;

/// <summary>
/// Far JMP, CALL and RET in IA-32e mode, from 64-bit and compatibility-mode code (SDM Vol. 2 "JMP",
/// "CALL", "RET"; Vol. 3, 5.8.3.1 and 5.8.5). Code segments may be 64-bit (L = 1) or compatibility
/// (L = 0), never L = D = 1. Call gates are the 16-byte 64-bit form only (type 0xC, the upper half's
/// type field 0), lead to 64-bit code, and on a call to an inner level switch to the TSS's RSPn with
/// a null SS and copy no parameters. Task gates and TSS selectors raise #GP: there are no task switches.
/// </summary>
internal sealed partial class Cpu
{
    private const byte CallGate64 = 0xC;

    /// <summary>Far JMP while EFER.LMA is set: a code segment at the CPL, or a 64-bit call gate.</summary>
    private void FarJumpIa32e(ushort selector, ulong offset, int opSize)
    {
        if ((selector & ~SelectorRplMask) == 0)
            throw GP();
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (d.S)
        {
            CheckIa32eCodeTarget(d, selector);
            ulong rip = TargetOffset(d, offset, opSize);
            MarkAccessed(address, d);
            SetCs(d, selector, Cpl);
            Rip = rip;
            return;
        }
        var (target, targetSel, gateOffset) = ReadCallGate64(d, selector, address);
        if (target.IsConforming ? target.Dpl > Cpl : target.Dpl != Cpl)
            throw GP((uint)(targetSel & ~SelectorRplMask));
        SetCs(target, targetSel, Cpl);
        Rip = gateOffset;
    }

    /// <summary>Far CALL while EFER.LMA is set: a code segment at the CPL (CS:RIP pushed at the operand size), or a 64-bit call gate.</summary>
    private void FarCallIa32e(ushort selector, ulong offset, int opSize)
    {
        if ((selector & ~SelectorRplMask) == 0)
            throw GP();
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (d.S)
        {
            CheckIa32eCodeTarget(d, selector);
            ulong rip = TargetOffset(d, offset, opSize);
            PushValue(Segs[Seg.CS].Selector, opSize);
            PushValue(Rip, opSize);
            MarkAccessed(address, d);
            SetCs(d, selector, Cpl);
            Rip = rip;
            return;
        }
        var (target, targetSel, gateOffset) = ReadCallGate64(d, selector, address);
        ushort oldCs = Segs[Seg.CS].Selector;
        if (target.IsConforming || target.Dpl == Cpl)
        {
            // Same privilege through the gate: 8-byte CS and RIP slots.
            PushValue(oldCs, 8);
            PushValue(Rip, 8);
            SetCs(target, targetSel, Cpl);
            Rip = gateOffset;
            return;
        }
        // More privileged: RSPn from the 64-bit TSS, SS becomes null with RPL = the new CPL, no parameters are copied.
        int newCpl = target.Dpl;
        ulong rsp = ReadTss64(4 + 8 * newCpl);
        if (!IsCanonical(rsp))
            throw Fault(Vector.SS, 0);
        PushSystem64(ref rsp, Segs[Seg.SS].Selector);
        PushSystem64(ref rsp, R64(Gpr.ESP));
        PushSystem64(ref rsp, oldCs);
        PushSystem64(ref rsp, Rip);
        Segs[Seg.SS] = new SegmentCache { Selector = (ushort)newCpl, Unusable = true, Dpl = (byte)newCpl };
        SetCs(target, targetSel, newCpl);
        R64(Gpr.ESP) = rsp;
        Rip = gateOffset;
    }

    /// <summary>A code segment as the direct target of a far JMP/CALL in IA-32e mode: L = D = 1 is reserved (#GP), then the legacy checks.</summary>
    private void CheckIa32eCodeTarget(Descriptor d, ushort selector)
    {
        if (d.IsCode && d.L && d.Db)
            throw GP((uint)(selector & ~SelectorRplMask));
        CheckDirectCodeTarget(d, selector);
    }

    /// <summary>The new RIP: a compatibility-mode target is cut to 32 (or 16) bits and limit-checked, a 64-bit one must be canonical.</summary>
    private ulong TargetOffset(Descriptor code, ulong offset, int opSize)
    {
        if (opSize == 2)
            offset &= 0xFFFF;
        if (!code.L)
        {
            offset &= 0xFFFF_FFFF;
            if (offset > code.Limit)
                throw GP();
        }
        else if (!IsCanonical(offset))
            throw GP();
        return offset;
    }

    /// <summary>
    /// A 16-byte call gate (SDM Vol. 3, 5.8.3.1): the only gate far JMP/CALL accept in IA-32e mode.
    /// Returns its 64-bit code segment (checked: code, DPL &lt;= CPL, L = 1 and D = 0, present) and 64-bit offset.
    /// </summary>
    private (Descriptor Target, ushort Selector, ulong Offset) ReadCallGate64(Descriptor gate, ushort gateSelector, ulong address)
    {
        uint error = (uint)(gateSelector & ~SelectorRplMask);
        if (gate.Type != CallGate64)
            throw GP(error); // 16-bit call gates, task gates, TSSs, LDTs
        if (!TryReadDescriptor((ushort)(gateSelector + 8), out var upper, out _) || ((upper.High >> 8) & 0x1F) != 0)
            throw GP(error);
        if (gate.Dpl < Cpl || gate.Dpl < (gateSelector & SelectorRplMask))
            throw GP(error);
        if (!gate.Present)
            throw Fault(Vector.NP, error);
        ushort targetSel = gate.GateSelector;
        uint targetError = (uint)(targetSel & ~SelectorRplMask);
        if (targetError == 0)
            throw GP();
        var target = ReadDescriptorOrFault(targetSel, Vector.GP, out _);
        if (!target.IsCode || target.Dpl > Cpl || !target.L || target.Db)
            throw GP(targetError);
        if (!target.Present)
            throw Fault(Vector.NP, targetError);
        ulong offset = gate.GateOffset | ((ulong)upper.Low << 32);
        if (!IsCanonical(offset))
            throw GP();
        return (target, targetSel, offset);
    }

    /// <summary>
    /// Far RET while EFER.LMA is set (RETF, RETFQ with REX.W): to the same level, or to an outer one
    /// popping SS:RSP as well; a 64-bit target at CPL &lt; 3 may get a null SS.
    /// </summary>
    private void FarReturnIa32e(int size, uint release)
    {
        ulong rip = PeekStack(0, size);
        ushort sel = (ushort)PeekStack((uint)size, size);
        int rpl = sel & SelectorRplMask;
        var code = ReturnCodeSegment(sel);
        if (code.L && code.Db)
            throw GP((uint)(sel & ~SelectorRplMask));
        if (rpl == Cpl)
        {
            rip = TargetOffset(code, rip, size);
            SetStackPointer(StackPointer + (uint)(2 * size) + release);
            SetCs(code, sel, Cpl);
            Rip = rip;
            return;
        }
        ulong outerRsp = PeekStack((uint)(2 * size) + release, size);
        ushort ssSel = (ushort)PeekStack((uint)(3 * size) + release, size);
        SegmentCache ss;
        if ((ssSel & ~SelectorRplMask) == 0 && code.L && rpl != 3)
            ss = new SegmentCache { Selector = ssSel, Unusable = true, Dpl = (byte)rpl };
        else
            ss = CheckOuterStack(ssSel, rpl);
        rip = TargetOffset(code, rip, size);
        SetCs(code, sel, rpl);
        Segs[Seg.SS] = ss;
        StateChanged();
        R64(Gpr.ESP) = code.L ? outerRsp + release : (uint)(outerRsp + release);
        Rip = rip;
        InvalidateSegmentsForOuterLevel();
    }
}
