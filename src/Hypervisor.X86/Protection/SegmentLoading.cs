namespace Hypervisor.X86.Cpu;

/// <summary>
/// Loading segment registers (MOV/POP Sreg, LDS..LSS) with the protected-mode checks of SDM Vol. 2
/// "MOV": null selectors, table limits, type, privilege, presence, and the accessed bit.
/// </summary>
internal sealed partial class Cpu
{
    private const ushort SelectorRplMask = 3;
    private const ushort SelectorTiBit = 4;

    /// <summary>Reads the descriptor <paramref name="selector"/> names; false when beyond the table limit.</summary>
    private bool TryReadDescriptor(ushort selector, out Descriptor descriptor, out ulong address)
    {
        ulong tableBase; uint tableLimit;
        if ((selector & SelectorTiBit) != 0)
        {
            ref var ldt = ref Segs[Seg.Ldtr];
            if (!ldt.Present || ldt.Unusable)
            {
                descriptor = default;
                address = 0;
                return false;
            }
            tableBase = ldt.Base;
            tableLimit = ldt.Limit;
        }
        else
        {
            tableBase = GdtBase;
            tableLimit = GdtLimit;
        }
        uint index = (uint)(selector & ~7);
        if (index + 7 > tableLimit)
        {
            descriptor = default;
            address = 0;
            return false;
        }
        address = tableBase + index;
        descriptor = new Descriptor(ReadSystem(address, 4), ReadSystem(address + 4, 4));
        return true;
    }

    /// <summary>Reads a descriptor or raises #GP(selector) (or the given vector) when it is outside its table.</summary>
    private Descriptor ReadDescriptorOrFault(ushort selector, byte vector, out ulong address)
    {
        if (!TryReadDescriptor(selector, out var d, out address))
            throw Fault(vector, (uint)(selector & ~SelectorRplMask));
        return d;
    }

    /// <summary>Sets the accessed bit of a code/data descriptor in memory, as the CPU does on load.</summary>
    private void MarkAccessed(ulong address, Descriptor d)
    {
        if ((d.High & (1u << 8)) == 0)
            WriteSystem(address + 4, 4, d.High | (1u << 8));
    }

    public void LoadSegment(int seg, ushort selector)
    {
        ref var s = ref Segs[seg];
        if (!ProtectedMode || V86Mode)
        {
            // Real mode changes only selector and base (the limit stays: "unreal mode" works).
            s.Selector = selector;
            s.Base = (uint)selector << 4;
            if (V86Mode)
                s = SegmentCache.Real(selector, seg == Seg.CS ? (byte)0xB : (byte)3) with { Dpl = 3 };
            if (seg is Seg.CS or Seg.SS)
                StateChanged();
            return;
        }
        uint error = (uint)(selector & ~SelectorRplMask);
        int rpl = selector & SelectorRplMask;
        if ((selector & ~SelectorRplMask) == 0)
        {
            // 64-bit mode allows a null SS below CPL 3 (RPL = CPL): SYSCALL/interrupt stacks use it.
            if (seg == Seg.SS && !(Code64 && Cpl != 3 && rpl == Cpl))
                throw GP();
            s = new SegmentCache { Selector = selector, Unusable = true, Dpl = (byte)rpl };
            return;
        }
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (seg == Seg.SS)
        {
            if (rpl != Cpl || !d.IsWritableData || d.Dpl != Cpl)
                throw GP(error);
            if (!d.Present)
                throw Fault(Vector.SS, error);
        }
        else
        {
            if (!d.S || !d.IsReadable)
                throw GP(error);
            if (!d.IsConforming && (rpl > d.Dpl || Cpl > d.Dpl))
                throw GP(error);
            if (!d.Present)
                throw Fault(Vector.NP, error);
        }
        MarkAccessed(address, d);
        s = d.ToCache(selector);
        s.Type |= 1;
        if (seg == Seg.SS)
            StateChanged();
    }

    /// <summary>After a privilege drop (RET/IRET to an outer level): data segments the new CPL may not use become null (SDM RET).</summary>
    private void InvalidateSegmentsForOuterLevel()
    {
        foreach (int seg in stackalloc int[] { Seg.ES, Seg.DS, Seg.FS, Seg.GS })
        {
            ref var s = ref Segs[seg];
            if (s.Unusable || !s.Present)
                continue;
            bool dataOrNonConforming = !s.IsCode || !s.IsConforming;
            if (dataOrNonConforming && s.Dpl < Cpl)
                s = new SegmentCache { Selector = 0, Unusable = true };
        }
    }
}
