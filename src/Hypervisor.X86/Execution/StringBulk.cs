using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// REP MOVS and REP STOS (byte to quadword, 16/32/64-bit addressing) over plain RAM in bulk: the iterations that stay inside one page of the
/// source and the destination run as one copy or fill, with exactly the register, memory and
/// retired-count effects of running them one by one. Anything unusual (DF set, a TLB miss, MMIO,
/// a page holding code, a segment that is not flat, an index that would wrap) takes the
/// per-iteration path in StringOps.cs, which then faults or exits at the precise iteration.
/// </summary>
internal sealed unsafe partial class Cpu
{
    /// <summary>
    /// Runs up to <paramref name="max"/> iterations of a REP MOVS/STOS in bulk, updating (E/R)SI, (E/R)DI
    /// and (E/R)CX; returns how many ran (0: take the per-iteration path for the next one).
    /// </summary>
    private int BulkStringIterations(ref DecodedInstruction d, StringKind kind, int size, int a, uint max)
    {
        if ((_flags & Eflags.DF) != 0)
            return 0;
        uint count = (uint)Math.Min(CountRegister(a), max);
        ulong di = IndexRegister(Gpr.EDI, a);
        count = Math.Min(count, ElementsBeforeWrap(di, size, a));
        byte* dst = DirectPointer(Seg.ES, di, write: true, ref count, size);
        if (dst == null)
            return 0;
        if (kind == StringKind.Stos)
        {
            ulong value = R64(Gpr.EAX);
            switch (size)
            {
                case 1: new Span<byte>(dst, (int)count).Fill((byte)value); break;
                case 2: new Span<ushort>(dst, (int)count).Fill((ushort)value); break;
                case 4: new Span<uint>(dst, (int)count).Fill((uint)value); break;
                default: new Span<ulong>(dst, (int)count).Fill(value); break;
            }
        }
        else
        {
            ulong si = IndexRegister(Gpr.ESI, a);
            count = Math.Min(count, ElementsBeforeWrap(si, size, a));
            byte* src = DirectPointer(d.MemSegment, si, write: false, ref count, size);
            if (src == null || count == 0)
                return 0;
            CopyForward(src, dst, count, size);
            AddToIndex(Gpr.ESI, a, count * (uint)size);
        }
        AddToIndex(Gpr.EDI, a, count * (uint)size);
        SetCount(a, CountRegister(a) - count);
        return (int)count;
    }

    /// <summary>Elements from <paramref name="index"/> before a 16- or 32-bit index would wrap (a 64-bit one does not).</summary>
    private static uint ElementsBeforeWrap(ulong index, int size, int a) => a switch
    {
        2 => (uint)((0x10000 - index) / (uint)size),
        4 => (uint)Math.Min((0x1_0000_0000UL - index) / (uint)size, uint.MaxValue),
        _ => uint.MaxValue,
    };

    /// <summary>
    /// Host memory for <paramref name="count"/> elements at seg:offset when every one of them is
    /// plain RAM in the page the TLB already holds (shrinking <paramref name="count"/> to the page
    /// end), through a segment whose checks cannot fail; else null.
    /// </summary>
    private byte* DirectPointer(int seg, ulong offset, bool write, ref uint count, int size)
    {
        if (_segmentChecks && ((UncheckedSegments() >> (write ? seg + 8 : seg)) & 1) == 0)
            return null;
        ulong la = LinearUnchecked(seg, offset);
        if (Code64 && !IsCanonical(la))
            return null; // the per-iteration path raises the #GP/#SS
        ref var e = ref TlbSlot(la);
        byte* page = write ? e.Write : e.Read;
        if (e.Tag != TlbTag(la) || page == null)
            return null;
        uint inPage = (uint)(PageOffsetMask + 1 - (la & PageOffsetMask)) / (uint)size;
        count = Math.Min(count, inPage);
        if (count == 0)
            return null;
        return page + (la & PageOffsetMask);
    }

    /// <summary>A forward copy in the CPU's element order: overlapping moves replicate as REP MOVS does.</summary>
    private static void CopyForward(byte* src, byte* dst, uint count, int size)
    {
        uint bytes = count * (uint)size;
        if (dst <= src || dst >= src + bytes)
        {
            Buffer.MemoryCopy(src, dst, bytes, bytes);
            return;
        }
        for (uint i = 0; i < bytes; i += (uint)size)
        {
            switch (size)
            {
                case 1: dst[i] = src[i]; break;
                case 2: *(ushort*)(dst + i) = *(ushort*)(src + i); break;
                case 4: *(uint*)(dst + i) = *(uint*)(src + i); break;
                default: *(ulong*)(dst + i) = *(ulong*)(src + i); break;
            }
        }
    }
}
