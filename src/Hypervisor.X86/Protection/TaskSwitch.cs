namespace Hypervisor.X86.Cpu;

/// <summary>
/// Hardware task switches (SDM Vol. 3, chapter 7): far JMP/CALL to a TSS descriptor or a task gate,
/// INT n / exceptions / external interrupts through a task gate in the IDT, and IRET with EFLAGS.NT
/// back along the back link. 32-bit and 16-bit TSS; busy bits, NT and the back link, CR0.TS, CR3 and
/// the LDT from the new TSS, and the #TS/#NP/#GP checks (segment errors are raised in the new task).
/// </summary>
internal sealed partial class Cpu
{
    private enum TaskSource { Jmp, Call, Iret, Interrupt }

    /// <summary>Set once a task switch has committed the new task's state, so exception delivery does not roll it back.</summary>
    private bool _taskSwitched;

    /// <summary>Far JMP/CALL to a TSS descriptor or a task gate (privilege and presence checks, then the switch).</summary>
    private void FarTaskTransfer(ushort selector, Descriptor d, TaskSource source)
    {
        uint error = (uint)(selector & ~SelectorRplMask);
        if (d.Dpl < Cpl || d.Dpl < (selector & SelectorRplMask))
            throw GP(error);
        if (d.Type == SystemType.TaskGate)
        {
            if (!d.Present)
                throw Fault(Vector.NP, error);
            TaskSwitchThroughGate(d.GateSelector, source, 0, false, 0);
            return;
        }
        if (d.Type is not (SystemType.Tss16Available or SystemType.Tss32Available))
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        TaskSwitch(selector, source, 0, false);
    }

    /// <summary>The TSS selector of a task gate (IDT or far JMP/CALL): GDT only, an available TSS, present.</summary>
    private void TaskSwitchThroughGate(ushort tssSelector, TaskSource source, uint errorCode, bool hasErrorCode, uint ext)
    {
        uint error = (uint)(tssSelector & ~SelectorRplMask) | ext;
        if ((tssSelector & SelectorTiBit) != 0 || !TryReadDescriptor(tssSelector, out var d, out _))
            throw GP(error);
        if (d.S || d.Type is not (SystemType.Tss16Available or SystemType.Tss32Available))
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        TaskSwitch(tssSelector, source, errorCode, hasErrorCode);
    }

    /// <summary>IRET with NT set: back to the task named by the current TSS's back link, which must be busy.</summary>
    private void TaskReturn()
    {
        ushort back = (ushort)ReadSystem(Segs[Seg.Tr].Base, 2);
        uint error = (uint)(back & ~SelectorRplMask);
        if ((back & SelectorTiBit) != 0 || !TryReadDescriptor(back, out var d, out _))
            throw Fault(Vector.TS, error);
        if (d.S || d.Type is not (SystemType.Tss16Busy or SystemType.Tss32Busy))
            throw Fault(Vector.TS, error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        TaskSwitch(back, TaskSource.Iret, 0, false);
    }

    private void TaskSwitch(ushort selector, TaskSource source, uint errorCode, bool hasErrorCode)
    {
        uint ext = source == TaskSource.Interrupt ? _ext : 0;
        TryReadDescriptor(selector, out var newDesc, out ulong newAddress);
        bool new32 = (newDesc.Type & 8) != 0;
        uint newBase = newDesc.Base;
        if (newDesc.Limit < (new32 ? 0x67u : 0x2Bu))
            throw Fault(Vector.TS, (uint)(selector & ~SelectorRplMask) | ext);

        // Read the whole new state before anything changes (a #PF here leaves the old task intact).
        var n = new TaskState();
        if (new32)
        {
            n.Cr3 = ReadSystem(newBase + 0x1C, 4);
            n.Rip = ReadSystem(newBase + 0x20, 4);
            n.Flags = ReadSystem(newBase + 0x24, 4);
            for (int i = 0; i < 8; i++)
                n.Regs[i] = ReadSystem(newBase + 0x28 + (uint)(4 * i), 4);
            for (int i = 0; i < 6; i++)
                n.Sels[i] = (ushort)ReadSystem(newBase + 0x48 + (uint)(4 * i), 2);
            n.Ldt = (ushort)ReadSystem(newBase + 0x60, 2);
        }
        else
        {
            n.Rip = ReadSystem(newBase + 0x0E, 2);
            n.Flags = ReadSystem(newBase + 0x10, 2);
            for (int i = 0; i < 8; i++)
                n.Regs[i] = 0xFFFF0000 | ReadSystem(newBase + 0x12 + (uint)(2 * i), 2);
            for (int i = 0; i < 4; i++)
                n.Sels[i] = (ushort)ReadSystem(newBase + 0x22 + (uint)(2 * i), 2);
            n.Ldt = (ushort)ReadSystem(newBase + 0x2A, 2);
        }

        // Busy bit of the old task, then its state into the old TSS.
        ref var tr = ref Segs[Seg.Tr];
        uint oldFlags = Flags;
        if (source is TaskSource.Jmp or TaskSource.Iret)
            SetTssBusy(tr.Selector, false);
        if (source == TaskSource.Iret)
            oldFlags &= ~Eflags.NT;
        SaveTaskState(ref tr, oldFlags);

        ushort oldSelector = tr.Selector;
        if (source is TaskSource.Call or TaskSource.Interrupt)
        {
            WriteSystem(newBase, 2, oldSelector);
            n.Flags |= Eflags.NT;
        }
        if (source != TaskSource.Iret)
            SetTssBusy(selector, true);
        TryReadDescriptor(selector, out newDesc, out _);

        // Commit: from here on faults belong to the new task.
        Segs[Seg.Tr] = newDesc.ToCache(selector);
        Cr0 |= ControlBits.Cr0TS;
        if (PagingEnabled && new32 && n.Cr3 != Cr3)
        {
            Cr3 = n.Cr3;
            FlushTlb(keepGlobal: (Cr4 & ControlBits.Cr4PGE) != 0);
        }
        _taskSwitched = true;
        Flags = (n.Flags & (Eflags.Writable | Eflags.VM) & (new32 ? ~0u : 0xFFFFu)) | Eflags.Reserved1;
        for (int i = 0; i < 8; i++)
            R(i) = n.Regs[i];
        Rip = n.Rip;
        bool v86 = (Flags & Eflags.VM) != 0;
        Cpl = v86 ? 3 : n.Sels[Seg.CS] & SelectorRplMask;
        for (int i = 0; i < 6; i++)
            Segs[i] = new SegmentCache { Selector = n.Sels[i], Unusable = true };
        Segs[Seg.Ldtr] = new SegmentCache { Selector = n.Ldt, Unusable = true };
        StateChanged();
        _instrRip = Rip;
        _instrRsp = R64(Gpr.ESP);

        LoadTaskLdt(n.Ldt, ext);
        if (v86)
        {
            for (int i = 0; i < 6; i++)
                Segs[i] = SegmentCache.Real(n.Sels[i], i == Seg.CS ? (byte)0xB : (byte)3) with { Dpl = 3 };
        }
        else
        {
            LoadTaskSegment(Seg.CS, n.Sels[Seg.CS], ext);
            LoadTaskSegment(Seg.SS, n.Sels[Seg.SS], ext);
            StateChanged(); // a fault on a data segment is delivered on the new task's stack
            foreach (int seg in stackalloc int[] { Seg.ES, Seg.DS, Seg.FS, Seg.GS })
                LoadTaskSegment(seg, n.Sels[seg], ext);
        }
        StateChanged();
        if (Rip > Segs[Seg.CS].Limit)
            throw GP(ext);
        if (hasErrorCode)
            PushValue(errorCode, new32 ? 4 : 2);
        if (new32 && (ReadSystem(newBase + 0x64, 2) & 1) != 0)
            ArmTaskTrap();
    }

    private sealed class TaskState
    {
        public uint Cr3, Rip, Flags;
        public readonly uint[] Regs = new uint[8];
        public readonly ushort[] Sels = new ushort[6];
        public ushort Ldt;
    }

    private void SaveTaskState(ref SegmentCache tr, uint flags)
    {
        uint b = (uint)tr.Base;
        if ((tr.Type & 8) != 0)
        {
            WriteSystem(b + 0x20, 4, Rip);
            WriteSystem(b + 0x24, 4, flags);
            for (int i = 0; i < 8; i++)
                WriteSystem(b + 0x28 + (uint)(4 * i), 4, R(i));
            for (int i = 0; i < 6; i++)
                WriteSystem(b + 0x48 + (uint)(4 * i), 2, Segs[i].Selector);
        }
        else
        {
            WriteSystem(b + 0x0E, 2, Rip & 0xFFFF);
            WriteSystem(b + 0x10, 2, flags & 0xFFFF);
            for (int i = 0; i < 8; i++)
                WriteSystem(b + 0x12 + (uint)(2 * i), 2, R(i) & 0xFFFF);
            for (int i = 0; i < 4; i++)
                WriteSystem(b + 0x22 + (uint)(2 * i), 2, Segs[i].Selector);
        }
    }

    private void SetTssBusy(ushort selector, bool busy)
    {
        ulong address = GdtBase + (uint)(selector & ~7);
        uint high = ReadSystem(address + 4, 4);
        WriteSystem(address + 4, 4, busy ? high | (2u << 8) : high & ~(2u << 8));
    }

    private void LoadTaskLdt(ushort selector, uint ext)
    {
        uint error = (uint)(selector & ~SelectorRplMask) | ext;
        if ((selector & ~SelectorRplMask) == 0)
            return;
        if ((selector & SelectorTiBit) != 0 || !TryReadDescriptor(selector, out var d, out _))
            throw Fault(Vector.TS, error);
        if (d.S || d.Type != SystemType.Ldt)
            throw Fault(Vector.TS, error);
        if (!d.Present)
            throw Fault(Vector.TS, error);
        Segs[Seg.Ldtr] = d.ToCache(selector);
    }

    /// <summary>A segment register of the new task, checked as SDM 7.3 step 12 says (#TS, #NP, #SS).</summary>
    private void LoadTaskSegment(int seg, ushort selector, uint ext)
    {
        uint error = (uint)(selector & ~SelectorRplMask) | ext;
        int rpl = selector & SelectorRplMask;
        if ((selector & ~SelectorRplMask) == 0)
        {
            if (seg is Seg.CS or Seg.SS)
                throw Fault(Vector.TS, ext);
            Segs[seg] = new SegmentCache { Selector = selector, Unusable = true };
            return;
        }
        if (!TryReadDescriptor(selector, out var d, out ulong address))
            throw Fault(Vector.TS, error);
        if (seg == Seg.CS)
        {
            if (!d.IsCode || (d.IsConforming ? d.Dpl > rpl : d.Dpl != rpl))
                throw Fault(Vector.TS, error);
            if (!d.Present)
                throw Fault(Vector.NP, error);
        }
        else if (seg == Seg.SS)
        {
            if (!d.IsWritableData || rpl != Cpl || d.Dpl != Cpl)
                throw Fault(Vector.TS, error);
            if (!d.Present)
                throw Fault(Vector.SS, error);
        }
        else
        {
            if (!d.S || !d.IsReadable)
                throw Fault(Vector.TS, error);
            if (!d.IsConforming && (d.Dpl < Cpl || d.Dpl < rpl))
                throw Fault(Vector.TS, error);
            if (!d.Present)
                throw Fault(Vector.NP, error);
        }
        MarkAccessed(address, d);
        Segs[seg] = d.ToCache(selector);
        Segs[seg].Type |= 1;
    }
}
