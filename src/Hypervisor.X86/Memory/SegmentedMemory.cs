using System.Runtime.CompilerServices;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Logical (segment:offset) to linear translation with the protected-mode segment checks of SDM
/// Vol. 3, 5.3 (limit, expand-down, type), and sized reads and writes through a segment.
/// </summary>
internal sealed partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Linear(int seg, ulong offset, int size, bool write)
    {
        if (Code64)
            return Linear64(seg, offset, size);
        ref var s = ref Segs[seg];
        uint offset32 = (uint)offset;
        if (_segmentChecks && (((_uncheckedSegments >> (write ? seg + 8 : seg)) & 1) == 0 || offset32 > (uint)-size))
            CheckSegmentAccess(ref s, seg, offset32, size, write);
        return (uint)(s.Base + offset32);
    }

    /// <summary>
    /// seg:offset as a linear address without any check: what INVLPG names, and what the bulk string
    /// path uses once it has checked the segment itself. In 64-bit mode only FS and GS have a base.
    /// </summary>
    private ulong LinearUnchecked(int seg, ulong offset) =>
        Code64 ? (seg >= Seg.FS ? Segs[seg].Base + offset : offset) : (uint)(Segs[seg].Base + (uint)offset);

    /// <summary>Protected mode outside V86: segment limits and types are checked (kept by <see cref="StateChanged"/>).</summary>
    private bool _segmentChecks;

    /// <summary>
    /// Segments whose accesses cannot fail their checks (present, expand-up, 4 GiB limit, the right
    /// type): bit n for reads through segment n, bit n + 8 for writes. Only a block of instructions
    /// that cannot load segment registers runs with this set (Executor); it is 0 everywhere else,
    /// so interrupt delivery, task switches and far transfers always check.
    /// </summary>
    private int _uncheckedSegments;

    /// <summary>Computes <see cref="_uncheckedSegments"/> for the current segment registers.</summary>
    private int UncheckedSegments()
    {
        int mask = 0;
        for (int i = Seg.ES; i <= Seg.GS; i++)
        {
            ref var s = ref Segs[i];
            if (!s.Present || s.Unusable || s.Limit != 0xFFFFFFFF || s.IsExpandDown)
                continue;
            if (s.IsReadable)
                mask |= 1 << i;
            if (s.IsWritable)
                mask |= 0x100 << i;
        }
        return mask;
    }

    private void CheckSegmentAccess(ref SegmentCache s, int seg, uint offset, int size, bool write)
    {
        byte vector = seg == Seg.SS ? Vector.SS : Vector.GP;
        if (!s.Present || s.Unusable)
            throw Fault(vector);
        if (write ? !s.IsWritable : !s.IsReadable)
            throw Fault(vector);
        uint last = offset + (uint)size - 1;
        if (s.IsExpandDown)
        {
            uint upper = s.Db ? 0xFFFFFFFF : 0xFFFF;
            if (offset <= s.Limit || last > upper || last < offset)
                throw Fault(vector);
        }
        else if (offset > s.Limit || last > s.Limit || last < offset)
        {
            throw Fault(vector);
        }
    }

    public byte ReadMem8(int seg, ulong offset) => ReadLinear8(Linear(seg, offset, 1, false));
    public ushort ReadMem16(int seg, ulong offset) => ReadLinear16(Linear(seg, offset, 2, false));
    public uint ReadMem32(int seg, ulong offset) => ReadLinear32(Linear(seg, offset, 4, false));
    public void WriteMem8(int seg, ulong offset, byte v) => WriteLinear8(Linear(seg, offset, 1, true), v);
    public void WriteMem16(int seg, ulong offset, ushort v) => WriteLinear16(Linear(seg, offset, 2, true), v);
    public void WriteMem32(int seg, ulong offset, uint v) => WriteLinear32(Linear(seg, offset, 4, true), v);

    public ulong ReadMem64(int seg, ulong offset) => ReadLinear64(Linear(seg, offset, 8, false));
    public void WriteMem64(int seg, ulong offset, ulong v) => WriteLinear64(Linear(seg, offset, 8, true), v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadMem(int seg, ulong offset, int size) => size switch
    {
        1 => ReadMem8(seg, offset),
        2 => ReadMem16(seg, offset),
        4 => ReadMem32(seg, offset),
        _ => ReadMem64(seg, offset),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMem(int seg, ulong offset, int size, ulong value)
    {
        switch (size)
        {
            case 1: WriteMem8(seg, offset, (byte)value); break;
            case 2: WriteMem16(seg, offset, (ushort)value); break;
            case 4: WriteMem32(seg, offset, (uint)value); break;
            default: WriteMem64(seg, offset, value); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadLinear(ulong la, int size) => size switch
    {
        1 => ReadLinear8(la),
        2 => ReadLinear16(la),
        4 => ReadLinear32(la),
        _ => ReadLinear64(la),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear(ulong la, int size, ulong value)
    {
        switch (size)
        {
            case 1: WriteLinear8(la, (byte)value); break;
            case 2: WriteLinear16(la, (ushort)value); break;
            case 4: WriteLinear32(la, (uint)value); break;
            default: WriteLinear64(la, value); break;
        }
    }
}
