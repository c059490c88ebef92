namespace Hypervisor.X86.Cpu;

/// <summary>
/// Virtual-8086 mode (SDM Vol. 3, chapter 20, without the CR4.VME extensions): entered by IRETD
/// at CPL 0 with EFLAGS.VM in the popped image (or by a task switch, TaskSwitch.cs); real-mode
/// addressing at CPL 3; interrupts and exceptions leave it through a 32-bit gate to a ring-0
/// non-conforming code segment, pushing GS, FS, DS, ES and the v86 SS:ESP and loading null data
/// segments; IRETD from ring 0 returns. CLI/STI/PUSHF/POPF/INT n/IRET #GP(0) unless IOPL = 3;
/// I/O always consults the TSS bitmap (IoInstructions.cs).
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>IRETD at CPL 0 to a v86 task: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS from the stack.</summary>
    private void IretToV86()
    {
        Span<uint> frame = stackalloc uint[9];
        for (int i = 0; i < frame.Length; i++)
            frame[i] = PeekStack32((uint)(4 * i), 4);
        Flags = (frame[2] & (Eflags.Writable | Eflags.VM)) | Eflags.Reserved1;
        Cpl = 3;
        Segs[Seg.CS] = V86Segment((ushort)frame[1], code: true);
        Segs[Seg.SS] = V86Segment((ushort)frame[4], code: false);
        Segs[Seg.ES] = V86Segment((ushort)frame[5], code: false);
        Segs[Seg.DS] = V86Segment((ushort)frame[6], code: false);
        Segs[Seg.FS] = V86Segment((ushort)frame[7], code: false);
        Segs[Seg.GS] = V86Segment((ushort)frame[8], code: false);
        R(Gpr.ESP) = frame[3];
        Rip = frame[0] & 0xFFFF;
        StateChanged();
    }

    private static SegmentCache V86Segment(ushort selector, bool code) =>
        SegmentCache.Real(selector, code ? (byte)0xB : (byte)3) with { Dpl = 3 };

    /// <summary>IRET inside v86 mode: real-mode style when IOPL = 3 (IOPL and VM stay), else #GP(0) to the monitor.</summary>
    private void IretInV86(int size)
    {
        if (Iopl < 3)
            throw GP();
        uint ip = PeekStack32(0, size);
        ushort cs = (ushort)PeekStack32((uint)size, size);
        uint flags = PeekStack32((uint)(2 * size), size);
        SetStackPointer(StackPointer + (uint)(3 * size));
        SetRealCs(cs);
        Rip = ip & 0xFFFF;
        WriteFlags(flags, size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
    }

    /// <summary>
    /// An interrupt or exception in v86 mode through an interrupt/trap gate: only to a 32-bit gate
    /// whose code segment is ring-0 non-conforming (else #GP(selector)); the frame goes on the
    /// ring-0 stack from the TSS.
    /// </summary>
    private void DeliverFromV86(Descriptor code, ushort sel, bool gate32, bool interruptGate, uint offset, uint errorCode, bool hasErrorCode)
    {
        uint selError = (uint)(sel & ~SelectorRplMask) | _ext;
        if (code.IsConforming || code.Dpl != 0 || !gate32)
            throw GP(selError);
        var (ss, _, esp) = ReadTssStack(0, _ext);
        uint oldFlags = Flags;
        uint oldEsp = R(Gpr.ESP);
        ushort oldSs = Segs[Seg.SS].Selector, oldCs = Segs[Seg.CS].Selector;
        uint oldEip = (uint)Rip;
        Flags &= ~Eflags.VM;
        Segs[Seg.SS] = ss;
        Cpl = 0;
        StateChanged();
        R(Gpr.ESP) = esp;
        PushValue(Segs[Seg.GS].Selector, 4);
        PushValue(Segs[Seg.FS].Selector, 4);
        PushValue(Segs[Seg.DS].Selector, 4);
        PushValue(Segs[Seg.ES].Selector, 4);
        PushValue(oldSs, 4);
        PushValue(oldEsp, 4);
        PushValue(oldFlags, 4);
        PushValue(oldCs, 4);
        PushValue(oldEip, 4);
        if (hasErrorCode)
            PushValue(errorCode, 4);
        if (offset > code.Limit)
            throw GP(_ext);
        foreach (int seg in stackalloc int[] { Seg.ES, Seg.DS, Seg.FS, Seg.GS })
            Segs[seg] = new SegmentCache { Selector = 0, Unusable = true };
        SetCs(code, sel, 0);
        Rip = offset;
        Flags &= ~(Eflags.TF | Eflags.NT | Eflags.RF);
        if (interruptGate)
            Flags &= ~Eflags.IF;
    }
}
