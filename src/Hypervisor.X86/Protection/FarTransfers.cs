namespace Hypervisor.X86.Cpu;

/// <summary>
/// Far JMP, CALL and RET (SDM Vol. 2 "JMP", "CALL", "RET"): real-mode segment loads, and in
/// protected mode code-segment and call-gate checks, calls to inner privilege with the TSS stack
/// switch and parameter copy, and returns to outer privilege.
/// </summary>
internal sealed partial class Cpu
{
    private void SetCs(Descriptor d, ushort selector, int cpl)
    {
        Segs[Seg.CS] = d.ToCache((ushort)((selector & ~SelectorRplMask) | cpl));
        Segs[Seg.CS].Type |= 1;
        Cpl = cpl;
        StateChanged();
    }

    private void SetRealCs(ushort selector)
    {
        Segs[Seg.CS].Selector = selector;
        Segs[Seg.CS].Base = (uint)selector << 4;
        StateChanged();
    }

    /// <summary>Checks a code-segment descriptor as the target of a far JMP/CALL (no privilege change).</summary>
    private void CheckDirectCodeTarget(Descriptor d, ushort selector)
    {
        uint error = (uint)(selector & ~SelectorRplMask);
        if (!d.IsCode)
            throw GP(error);
        if (d.IsConforming ? d.Dpl > Cpl : ((selector & SelectorRplMask) > Cpl || d.Dpl != Cpl))
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
    }

    private void FarJump(ushort selector, uint offset, int opSize)
    {
        if (!ProtectedMode || V86Mode)
        {
            SetRealCs(selector);
            Rip = opSize == 2 ? offset & 0xFFFF : offset;
            return;
        }
        if ((selector & ~SelectorRplMask) == 0)
            throw GP();
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (d.S)
        {
            CheckDirectCodeTarget(d, selector);
            if (offset > d.Limit)
                throw GP();
            MarkAccessed(address, d);
            SetCs(d, selector, Cpl);
            Rip = offset;
            return;
        }
        if (d.Type is SystemType.CallGate16 or SystemType.CallGate32)
        {
            var (target, targetSel, gateOffset) = CheckCallGate(d, selector);
            if (target.IsConforming ? target.Dpl > Cpl : target.Dpl != Cpl)
                throw GP((uint)(targetSel & ~SelectorRplMask));
            if (gateOffset > target.Limit)
                throw GP();
            SetCs(target, targetSel, Cpl);
            Rip = gateOffset;
            return;
        }
        FarTaskTransfer(selector, d, TaskSource.Jmp);
    }

    /// <summary>Gate privilege and presence, then the gate's code segment; returns it with the gate's offset.</summary>
    private (Descriptor Target, ushort Selector, uint Offset) CheckCallGate(Descriptor gate, ushort gateSelector)
    {
        uint error = (uint)(gateSelector & ~SelectorRplMask);
        if (gate.Dpl < Cpl || gate.Dpl < (gateSelector & SelectorRplMask))
            throw GP(error);
        if (!gate.Present)
            throw Fault(Vector.NP, error);
        ushort targetSel = gate.GateSelector;
        if ((targetSel & ~SelectorRplMask) == 0)
            throw GP();
        var target = ReadDescriptorOrFault(targetSel, Vector.GP, out _);
        if (!target.IsCode || target.Dpl > Cpl)
            throw GP((uint)(targetSel & ~SelectorRplMask));
        if (!target.Present)
            throw Fault(Vector.NP, (uint)(targetSel & ~SelectorRplMask));
        uint offset = gate.Type == SystemType.CallGate16 ? gate.GateOffset & 0xFFFF : gate.GateOffset;
        return (target, targetSel, offset);
    }

    private void FarCall(ushort selector, uint offset, int opSize)
    {
        if (!ProtectedMode || V86Mode)
        {
            PushValue(Segs[Seg.CS].Selector, opSize);
            PushValue(Rip, opSize);
            SetRealCs(selector);
            Rip = opSize == 2 ? offset & 0xFFFF : offset;
            return;
        }
        if ((selector & ~SelectorRplMask) == 0)
            throw GP();
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (d.S)
        {
            CheckDirectCodeTarget(d, selector);
            if (offset > d.Limit)
                throw GP();
            PushValue(Segs[Seg.CS].Selector, opSize);
            PushValue(Rip, opSize);
            MarkAccessed(address, d);
            SetCs(d, selector, Cpl);
            Rip = offset;
            return;
        }
        if (d.Type is not (SystemType.CallGate16 or SystemType.CallGate32))
        {
            FarTaskTransfer(selector, d, TaskSource.Call);
            return;
        }

        var (target, targetSel, gateOffset) = CheckCallGate(d, selector);
        int gateSize = d.Type == SystemType.CallGate32 ? 4 : 2;
        if (gateOffset > target.Limit)
            throw GP();
        if (!target.IsConforming && target.Dpl < Cpl)
        {
            // More privileged: switch to the stack for the target level from the TSS and copy parameters.
            int newCpl = target.Dpl;
            var (newSs, _, newEsp) = ReadTssStack(newCpl, 0);
            int count = d.GateParameterCount;
            Span<uint> parameters = stackalloc uint[32];
            for (int i = 0; i < count; i++)
                parameters[i] = PeekStack32((uint)(i * gateSize), gateSize);
            ushort oldSs = Segs[Seg.SS].Selector;
            uint oldEsp = R(Gpr.ESP);
            uint returnEip = (uint)Rip;
            ushort oldCs = Segs[Seg.CS].Selector;
            Segs[Seg.SS] = newSs;
            Cpl = newCpl;
            StateChanged();
            R(Gpr.ESP) = newEsp;
            PushValue(oldSs, gateSize);
            PushValue(oldEsp, gateSize);
            for (int i = count - 1; i >= 0; i--)
                PushValue(parameters[i], gateSize);
            PushValue(oldCs, gateSize);
            PushValue(returnEip, gateSize);
            SetCs(target, targetSel, newCpl);
        }
        else
        {
            PushValue(Segs[Seg.CS].Selector, gateSize);
            PushValue(Rip, gateSize);
            SetCs(target, targetSel, Cpl);
        }
        Rip = gateOffset;
    }

    /// <summary>SSn:ESPn for privilege level <paramref name="level"/> from the current TSS, checked (#TS/#SS).</summary>
    private (SegmentCache Ss, ushort Selector, uint Esp) ReadTssStack(int level, uint ext)
    {
        ref var tr = ref Segs[Seg.Tr];
        bool tss32 = (tr.Type & 8) != 0;
        uint espOffset = tss32 ? (uint)(4 + 8 * level) : (uint)(2 + 4 * level);
        uint ssOffset = tss32 ? (uint)(8 + 8 * level) : (uint)(4 + 4 * level);
        if (ssOffset + 1 > tr.Limit)
            throw Fault(Vector.TS, (uint)(tr.Selector & ~SelectorRplMask) | ext);
        uint esp = tss32 ? ReadSystem(tr.Base + espOffset, 4) : ReadSystem(tr.Base + espOffset, 2);
        ushort ssSel = (ushort)ReadSystem(tr.Base + ssOffset, 2);
        uint error = (uint)(ssSel & ~SelectorRplMask) | ext;
        if ((ssSel & ~SelectorRplMask) == 0)
            throw Fault(Vector.TS, ext);
        if (!TryReadDescriptor(ssSel, out var ssd, out ulong address))
            throw Fault(Vector.TS, error);
        if ((ssSel & SelectorRplMask) != level || ssd.Dpl != level || !ssd.IsWritableData)
            throw Fault(Vector.TS, error);
        if (!ssd.Present)
            throw Fault(Vector.SS, error);
        MarkAccessed(address, ssd);
        var cache = ssd.ToCache(ssSel);
        cache.Type |= 1;
        return (cache, ssSel, esp);
    }

    private void FarReturn(int opSize, uint release)
    {
        if (!ProtectedMode || V86Mode)
        {
            uint ip = PeekStack32(0, opSize);
            ushort cs = (ushort)PeekStack32((uint)opSize, opSize);
            SetStackPointer(StackPointer + (uint)(2 * opSize) + release);
            SetRealCs(cs);
            Rip = opSize == 2 ? ip & 0xFFFF : ip;
            return;
        }
        uint eip = PeekStack32(0, opSize);
        ushort sel = (ushort)PeekStack32((uint)opSize, opSize);
        int rpl = sel & SelectorRplMask;
        var d = ReturnCodeSegment(sel);
        if (rpl == Cpl)
        {
            if (eip > d.Limit)
                throw GP();
            SetStackPointer(StackPointer + (uint)(2 * opSize) + release);
            SetCs(d, sel, Cpl);
            Rip = eip;
            return;
        }
        // Return to an outer level: the outer SS:ESP follows the parameters.
        uint outerEsp = PeekStack32((uint)(2 * opSize) + release, opSize);
        ushort ssSel = (ushort)PeekStack32((uint)(3 * opSize) + release, opSize);
        var ss = CheckOuterStack(ssSel, rpl);
        if (eip > d.Limit)
            throw GP();
        SetCs(d, sel, rpl);
        Segs[Seg.SS] = ss;
        StateChanged();
        R(Gpr.ESP) = Stack32 ? outerEsp + release : (R(Gpr.ESP) & 0xFFFF0000) | ((outerEsp + release) & 0xFFFF);
        Rip = eip;
        InvalidateSegmentsForOuterLevel();
    }

    /// <summary>The code segment a RET/IRET returns to: RPL &gt;= CPL, code, privilege-consistent, present.</summary>
    private Descriptor ReturnCodeSegment(ushort sel)
    {
        uint error = (uint)(sel & ~SelectorRplMask);
        if (error == 0)
            throw GP();
        var d = ReadDescriptorOrFault(sel, Vector.GP, out ulong address);
        int rpl = sel & SelectorRplMask;
        if (!d.IsCode || rpl < Cpl)
            throw GP(error);
        if (d.IsConforming ? d.Dpl > rpl : d.Dpl != rpl)
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        MarkAccessed(address, d);
        return d;
    }

    /// <summary>The outer stack segment on a return to privilege <paramref name="rpl"/>.</summary>
    private SegmentCache CheckOuterStack(ushort ssSel, int rpl)
    {
        uint error = (uint)(ssSel & ~SelectorRplMask);
        if (error == 0)
            throw GP();
        var ssd = ReadDescriptorOrFault(ssSel, Vector.GP, out ulong address);
        if ((ssSel & SelectorRplMask) != rpl || !ssd.IsWritableData || ssd.Dpl != rpl)
            throw GP(error);
        if (!ssd.Present)
            throw Fault(Vector.SS, error);
        MarkAccessed(address, ssd);
        var cache = ssd.ToCache(ssSel);
        cache.Type |= 1;
        return cache;
    }
}
