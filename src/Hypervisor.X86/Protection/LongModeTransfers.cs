using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Control transfers of IA-32e mode (SDM Vol. 3, 6.14 and Vol. 2 IRET, SYSCALL, SYSRET): interrupts
/// and exceptions through 16-byte IDT gates with the RSPn/IST stacks of the 64-bit TSS, IRETQ, and
/// SYSCALL/SYSRET with the STAR/LSTAR/SFMASK MSRs. Far JMP/CALL/RET are in FarTransfers64.cs.
/// </summary>
internal sealed partial class Cpu
{
    private const byte InterruptGate64 = 0xE, TrapGate64 = 0xF;

    /// <summary>An interrupt or exception in IA-32e mode: always an 8-byte frame of SS, RSP, RFLAGS, CS, RIP (and the error code).</summary>
    private void DeliverLongMode(byte vector, uint errorCode, bool hasErrorCode, InterruptKind kind)
    {
        uint idtError = (uint)(vector * 8 + 2) | _ext;
        if ((uint)(vector * 16 + 15) > IdtLimit)
            throw GP(idtError);
        ulong entry = IdtBase + (ulong)vector * 16;
        var gate = new Descriptor(ReadSystem(entry, 4), ReadSystem(entry + 4, 4));
        ulong offset = gate.GateOffset | ((ulong)ReadSystem(entry + 8, 4) << 32);
        if (gate.S || gate.Type is not (InterruptGate64 or TrapGate64))
            throw GP(idtError);
        if (kind == InterruptKind.Software && gate.Dpl < Cpl)
            throw GP(idtError);
        if (!gate.Present)
            throw Fault(Vector.NP, idtError);

        ushort sel = gate.GateSelector;
        uint selError = (uint)(sel & ~SelectorRplMask) | _ext;
        if ((sel & ~SelectorRplMask) == 0)
            throw GP(_ext);
        if (!TryReadDescriptor(sel, out var code, out _))
            throw GP(selError);
        if (!code.IsCode || !code.L || code.Db || code.Dpl > Cpl)
            throw GP(selError);
        if (!code.Present)
            throw Fault(Vector.NP, selError);
        if (!IsCanonical(offset))
            throw GP(_ext);

        int ist = (int)(gate.High & 7);
        int newCpl = code.IsConforming ? Cpl : code.Dpl;
        ulong oldRsp = R64(Gpr.ESP);
        ushort oldSs = Segs[Seg.SS].Selector;
        ulong rsp = ist != 0 ? ReadTss64(0x24 + 8 * (ist - 1)) : newCpl < Cpl ? ReadTss64(4 + 8 * newCpl) : oldRsp;
        rsp &= ~0xFUL; // the frame is 16-byte aligned
        uint oldFlags = Flags;
        ulong[] frame = [oldSs, oldRsp, oldFlags, Segs[Seg.CS].Selector, Rip];
        foreach (ulong v in frame)
            PushSystem64(ref rsp, v);
        if (hasErrorCode)
            PushSystem64(ref rsp, errorCode);

        if (newCpl < Cpl)
            Segs[Seg.SS] = new SegmentCache { Selector = (ushort)newCpl, Unusable = true, Dpl = (byte)newCpl };
        SetCs(code, sel, newCpl);
        R64(Gpr.ESP) = rsp;
        Rip = offset;
        uint clear = Eflags.TF | Eflags.NT | Eflags.RF | Eflags.VM | (gate.Type == InterruptGate64 ? Eflags.IF : 0);
        Flags = oldFlags & ~clear;
        FlagsChanged(oldFlags);
    }

    /// <summary>A stack pointer from the 64-bit TSS (RSP0-2 at 4, IST1-7 at 0x24).</summary>
    private ulong ReadTss64(int offset)
    {
        ref var tr = ref Segs[Seg.Tr];
        if ((uint)offset + 7 > tr.Limit)
            throw Fault(Vector.TS, (uint)(tr.Selector & ~SelectorRplMask) | _ext);
        return ReadSystem64(tr.Base + (uint)offset);
    }

    /// <summary>A push of the interrupt frame: supervisor accesses, the stack must be canonical (#SS otherwise).</summary>
    private void PushSystem64(ref ulong rsp, ulong value)
    {
        rsp -= 8;
        if (!IsCanonical(rsp))
            throw Fault(Vector.SS, _ext);
        WriteSystem(rsp, 8, value);
    }

    /// <summary>
    /// IRET in IA-32e mode (IRETQ with REX.W, else 4- or 2-byte slots): pops RIP, CS, RFLAGS, and from
    /// 64-bit mode or to an outer level RSP and SS too; from compatibility mode to the same level it is
    /// the protected-mode IRET (SDM IRET, IA-32e-MODE).
    /// </summary>
    private void IretLong(int size)
    {
        if (_nmiBlocked)
            NmiIret(); // as the legacy IRET: the end of an NMI handler unblocks NMIs
        ulong rip = PeekStack(0, size);
        ushort csSel = (ushort)PeekStack((uint)size, size);
        uint flags = (uint)PeekStack((uint)(2 * size), size);
        if ((Flags & Eflags.NT) != 0)
            throw GP(); // task returns do not exist in IA-32e mode
        int rpl = csSel & SelectorRplMask;
        if (!Code64 && rpl == Cpl)
        {
            var same = ReturnCodeSegment(csSel);
            rip = TargetOffset(same, rip, size);
            SetStackPointer(StackPointer + (uint)(3 * size));
            uint flagsBefore = Flags;
            SetCs(same, csSel, rpl);
            WriteFlagsAtPrivilege(flags, rpl);
            Rip = rip;
            FlagsChanged(flagsBefore);
            return;
        }
        ulong rsp = PeekStack((uint)(3 * size), size);
        ushort ssSel = (ushort)PeekStack((uint)(4 * size), size);
        var code = ReturnCodeSegment(csSel);
        if (code.L && !IsCanonical(rip))
            throw GP();
        SegmentCache ss;
        if ((ssSel & ~SelectorRplMask) == 0 && code.L && rpl != 3)
            ss = new SegmentCache { Selector = ssSel, Unusable = true, Dpl = (byte)rpl };
        else
            ss = CheckOuterStack(ssSel, rpl);
        uint oldFlags = Flags;
        int oldCpl = Cpl;
        SetCs(code, csSel, rpl);
        Segs[Seg.SS] = ss;
        WriteFlagsAtPrivilege(flags, oldCpl);
        R64(Gpr.ESP) = code.L ? rsp : (uint)rsp;
        Rip = code.L ? rip : (uint)rip;
        StateChanged();
        if (rpl > oldCpl)
            InvalidateSegmentsForOuterLevel();
        FlagsChanged(oldFlags);
    }

    /// <summary>RFLAGS from IRET at the CPL the IRET ran at (SDM IRET: IOPL only at CPL 0, IF only when CPL &lt;= IOPL).</summary>
    private void WriteFlagsAtPrivilege(uint value, int cpl)
    {
        uint changeable = Eflags.Writable;
        if (cpl > 0)
            changeable &= ~Eflags.IoplMask;
        if (cpl > Iopl)
            changeable &= ~Eflags.IF;
        Flags = (Flags & ~changeable) | (value & changeable & ~Eflags.VM) | Eflags.Reserved1;
    }

    /// <summary>SYSCALL (64-bit mode, EFER.SCE): RCX = next RIP, R11 = RFLAGS, CPL 0 flat segments from STAR, RIP = LSTAR.</summary>
    private void Syscall()
    {
        if (!Code64 || (Efer & EferSce) == 0)
            throw UD();
        ushort sel = (ushort)(Star >> 32);
        R64(Gpr.ECX) = Rip;
        uint oldFlags = Flags;
        R64(11) = oldFlags & ~Eflags.RF;
        Segs[Seg.CS] = FlatSegment((ushort)(sel & 0xFFFC), 0xB, 0, longMode: true);
        Segs[Seg.SS] = FlatSegment((ushort)(sel + 8), 0x3, 0, longMode: false);
        Cpl = 0;
        Rip = Lstar;
        Flags = oldFlags & ~(uint)Sfmask & ~Eflags.RF;
        StateChanged();
        FlagsChanged(oldFlags);
    }

    /// <summary>SYSRET to CPL 3: 64-bit code with REX.W (CS = STAR[63:48] + 16), else compatibility mode (CS = STAR[63:48]).</summary>
    private void Sysret(ref DecodedInstruction d)
    {
        if ((Efer & EferSce) == 0)
            throw UD();
        if (!Code64 || Cpl != 0)
            throw GP();
        bool to64 = d.OpSize == 8;
        ulong target = to64 ? R64(Gpr.ECX) : R(Gpr.ECX);
        if (to64 && !IsCanonical(target))
            throw GP();
        ushort sel = (ushort)(Star >> 48);
        uint oldFlags = Flags;
        Segs[Seg.CS] = FlatSegment((ushort)((to64 ? sel + 16 : sel) | 3), 0xB, 3, longMode: to64);
        Segs[Seg.SS] = FlatSegment((ushort)((sel + 8) | 3), 0x3, 3, longMode: false);
        Cpl = 3;
        Rip = target;
        Flags = ((uint)R64(11) & 0x3C7FD7) | Eflags.Reserved1;
        StateChanged();
        FlagsChanged(oldFlags);
    }

    /// <summary>The fixed flat segment SYSCALL/SYSRET load (SDM: the descriptors are not read).</summary>
    private static SegmentCache FlatSegment(ushort selector, byte type, int dpl, bool longMode) => new()
    {
        Selector = selector,
        Base = 0,
        Limit = 0xFFFFFFFF,
        Type = type,
        Dpl = (byte)dpl,
        Present = true,
        S = true,
        G = true,
        L = longMode,
        Db = !longMode,
    };
}
