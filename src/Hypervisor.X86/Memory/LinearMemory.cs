using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hypervisor.X86.Memory;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Linear-address reads and writes: a TLB hit goes straight to host memory; misses walk the page
/// tables (Paging.cs), page-crossing accesses split into bytes, and addresses no RAM backs become
/// MMIO accesses (MmioAccess.cs).
/// </summary>
internal sealed unsafe partial class Cpu
{
    private const int TlbSize = 256;
    private const uint PageOffsetMask = PhysicalMemory.PageMask;
    /// <summary>Bits 63:12 of a linear address. (A uint ~PageOffsetMask would zero-extend and drop bits 63:32.)</summary>
    private const ulong LinearPageMask = ~(ulong)PageOffsetMask;
    private readonly TlbEntry[] _tlbSupervisor;
    private readonly TlbEntry[] _tlbUser;
    /// <summary>The TLB for the current privilege: user (CPL 3) or supervisor.</summary>
    private TlbEntry[] _tlb;

    /// <summary>Linear addresses wrap at 4 GiB outside long mode (all ones in long mode).</summary>
    private ulong _linearMask = uint.MaxValue;

    /// <summary>The linear address of code at <paramref name="rip"/> (CS base + RIP, wrapped as the mode wraps it).</summary>
    public ulong CodeLinear(ulong rip) => (Segs[Seg.CS].Base + rip) & _linearMask;

    /// <summary>The linear address <paramref name="delta"/> bytes on, wrapped as the mode wraps it.</summary>
    private ulong NextLinear(ulong la, int delta) => (la + (ulong)delta) & _linearMask;

    private static ulong TlbTag(ulong la) => (la & LinearPageMask) | 1;

    /// <summary>The current TLB's entry for a linear address (the index is masked to the TLB's size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref TlbEntry TlbSlot(ulong la) =>
        ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_tlb), (int)((la >> 12) & (TlbSize - 1)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadLinear8(ulong la)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Read != null)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: false);
            return e.Read[la & PageOffsetMask];
        }
        return (byte)ReadSlow(la, 1, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort ReadLinear16(ulong la)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Read != null && (la & PageOffsetMask) <= PageOffsetMask - 1)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: false);
            return Unsafe.ReadUnaligned<ushort>(e.Read + (la & PageOffsetMask));
        }
        return (ushort)ReadSlow(la, 2, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadLinear32(ulong la)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Read != null && (la & PageOffsetMask) <= PageOffsetMask - 3)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: false);
            return Unsafe.ReadUnaligned<uint>(e.Read + (la & PageOffsetMask));
        }
        return (uint)ReadSlow(la, 4, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadLinear64(ulong la)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Read != null && (la & PageOffsetMask) <= PageOffsetMask - 7)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: false);
            return Unsafe.ReadUnaligned<ulong>(e.Read + (la & PageOffsetMask));
        }
        return ReadSlow(la, 8, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear8(ulong la, byte value)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Write != null)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: true);
            e.Write[la & PageOffsetMask] = value;
        }
        else
            WriteSlow(la, 1, value, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear16(ulong la, ushort value)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Write != null && (la & PageOffsetMask) <= PageOffsetMask - 1)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: true);
            Unsafe.WriteUnaligned(e.Write + (la & PageOffsetMask), value);
        }
        else
            WriteSlow(la, 2, value, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear32(ulong la, uint value)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Write != null && (la & PageOffsetMask) <= PageOffsetMask - 3)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: true);
            Unsafe.WriteUnaligned(e.Write + (la & PageOffsetMask), value);
        }
        else
            WriteSlow(la, 4, value, _tlb, Cpl == 3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear64(ulong la, ulong value)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag == TlbTag(la) && e.Write != null && (la & PageOffsetMask) <= PageOffsetMask - 7)
        {
            if (TlbCheck) CheckTlbHit(la, ref e, write: true);
            Unsafe.WriteUnaligned(e.Write + (la & PageOffsetMask), value);
        }
        else
            WriteSlow(la, 8, value, _tlb, Cpl == 3);
    }

    /// <summary>Reads with supervisor privilege (descriptor tables, TSS, IDT: SDM "implicit supervisor access").</summary>
    public uint ReadSystem(ulong la, int size) => (uint)ReadSlow(la, size, _tlbSupervisor, false);

    /// <summary>A 64-bit system read (long mode's descriptors, IDT gates and TSS stack pointers).</summary>
    public ulong ReadSystem64(ulong la) => ReadSlow(la, 8, _tlbSupervisor, false);

    public void WriteSystem(ulong la, int size, ulong value) => WriteSlow(la, size, value, _tlbSupervisor, false);

    private ulong ReadSlow(ulong la, int size, TlbEntry[] tlb, bool user)
    {
        if ((la & PageOffsetMask) > PhysicalMemory.PageSize - (uint)size)
        {
            // Crosses a page: byte by byte, each page translated (and faulting) on its own.
            ulong v = 0;
            for (int i = 0; i < size; i++)
                v |= ReadSlow(NextLinear(la, i), 1, tlb, user) << (8 * i);
            return v;
        }
        ref var e = ref tlb[(la >> 12) & (TlbSize - 1)];
        if (e.Tag != TlbTag(la))
            Fill(ref e, la, write: false, user);
        else if (TlbCheck)
            CheckTlbHit(la, ref e, write: false);
        if (_watchActive)
            WatchAccess(la, size, write: false, record: true, ref e);
        byte* host = e.Read;
        if (host == null)
            return MmioRead((e.PhysicalPage << 12) | (la & PageOffsetMask), size);
        host += la & PageOffsetMask;
        return size switch { 1 => *host, 2 => Unsafe.ReadUnaligned<ushort>(host), 4 => Unsafe.ReadUnaligned<uint>(host), _ => Unsafe.ReadUnaligned<ulong>(host) };
    }

    private void WriteSlow(ulong la, int size, ulong value, TlbEntry[] tlb, bool user)
    {
        if ((la & PageOffsetMask) > PhysicalMemory.PageSize - (uint)size)
        {
            // Both pages must be writable before any byte is written.
            ProbeWrite(la, tlb, user);
            ProbeWrite(NextLinear(la, size - 1), tlb, user);
            for (int i = 0; i < size; i++)
                WriteSlow(NextLinear(la, i), 1, (value >> (8 * i)) & 0xFF, tlb, user);
            return;
        }
        ref var e = ref tlb[(la >> 12) & (TlbSize - 1)];
        if (e.Tag != TlbTag(la) || !e.Writable)
            Fill(ref e, la, write: true, user);
        else if (TlbCheck)
            CheckTlbHit(la, ref e, write: true);
        if (_watchActive)
            WatchAccess(la, size, write: true, record: true, ref e);
        ulong phys = (e.PhysicalPage << 12) | (la & PageOffsetMask);
        byte* host = Phys.PageWriteHost(e.PhysicalPage); // none for ROM: the write exits as MMIO
        if (host == null)
        {
            MmioWrite(phys, size, value);
            return;
        }
        if (e.Write == null)
            InvalidateCode(phys, size);
        host += la & PageOffsetMask;
        switch (size)
        {
            case 1: *host = (byte)value; break;
            case 2: Unsafe.WriteUnaligned(host, (ushort)value); break;
            case 4: Unsafe.WriteUnaligned(host, (uint)value); break;
            default: Unsafe.WriteUnaligned(host, value); break;
        }
    }

    /// <summary>Checks a write would succeed (page present, writable), faulting as the write would.</summary>
    private void ProbeWrite(ulong la, TlbEntry[] tlb, bool user)
    {
        ref var e = ref tlb[(la >> 12) & (TlbSize - 1)];
        if (e.Tag != TlbTag(la) || !e.Writable)
            Fill(ref e, la, write: true, user);
        if (_watchActive)
            WatchAccess(la, 1, write: true, record: false, ref e);
    }

    /// <summary>Checks a read would succeed (used by instructions that must fault before changing state).</summary>
    public void ProbeRead(ulong la, int size)
    {
        ref var e = ref TlbSlot(la);
        if (e.Tag != TlbTag(la))
            Fill(ref e, la, write: false, Cpl == 3);
        if (_watchActive)
            WatchAccess(la, 1, write: false, record: false, ref e);
        if ((la & PageOffsetMask) > PhysicalMemory.PageSize - (uint)size)
            ProbeRead(NextLinear(la, size - 1), 1);
    }

    /// <summary>Checks a write of <paramref name="size"/> bytes would succeed.</summary>
    public void ProbeWrite(ulong la, int size)
    {
        ProbeWrite(la, _tlb, Cpl == 3);
        if ((la & PageOffsetMask) > PhysicalMemory.PageSize - (uint)size)
            ProbeWrite(NextLinear(la, size - 1), _tlb, Cpl == 3);
    }

    /// <summary>A store hit a page with decoded code: drop the instructions it overwrote.</summary>
    private void InvalidateCode(ulong phys, int size)
    {
        ulong chunks = Phys.TakeCodeChunks(phys, size);
        if (chunks != 0)
        {
            _icache.InvalidateChunks(phys & ~(ulong)PageOffsetMask, chunks);
            InvalidateBlocks(phys & ~(ulong)PageOffsetMask, chunks);
            if (_peers.Length != 0)
                PeersDropCode(phys & ~(ulong)PageOffsetMask, chunks);
        }
    }

    /// <summary>Empties both TLBs (CR0.PG/CR4 changes, A20); <paramref name="keepGlobal"/> for CR3 reloads with CR4.PGE.</summary>
    public void FlushTlb(bool keepGlobal = false)
    {
        if (TlbCheck)
            NoteTlbFlush(keepGlobal ? "all-but-global" : "all", 0);
        _fetchPage = NoFetchPage;
        for (int i = 0; i < TlbSize; i++)
        {
            if (!keepGlobal || !_tlbSupervisor[i].Global)
                _tlbSupervisor[i] = default;
            if (!keepGlobal || !_tlbUser[i].Global)
                _tlbUser[i] = default;
        }
    }

    /// <summary>INVLPG: drops the translation of one linear page.</summary>
    public void FlushTlbPage(ulong la)
    {
        if (TlbCheck)
            NoteTlbFlush("invlpg", la);
        _fetchPage = NoFetchPage;
        int i = (int)((la >> 12) & (TlbSize - 1));
        if (_tlbSupervisor[i].Tag == TlbTag(la))
            _tlbSupervisor[i] = default;
        if (_tlbUser[i].Tag == TlbTag(la))
            _tlbUser[i] = default;
    }

    /// <summary>Stops direct writes to a page that now holds decoded code, so stores see the code check.</summary>
    private void RevokeDirectWrites(ulong physicalPage)
    {
        for (int i = 0; i < TlbSize; i++)
        {
            if (_tlbSupervisor[i].PhysicalPage == physicalPage)
                _tlbSupervisor[i].Write = null;
            if (_tlbUser[i].PhysicalPage == physicalPage)
                _tlbUser[i].Write = null;
        }
    }
}
