using System.Runtime.CompilerServices;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Logical (segment:offset) to linear translation with the protected-mode segment checks of SDM
/// Vol. 3, 5.3 (limit, expand-down, type), and sized reads and writes through a segment.
/// </summary>
internal sealed partial class Cpu
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Linear(int seg, uint offset, int size, bool write)
    {
        ref var s = ref Segs[seg];
        if (_segmentChecks && (((_uncheckedSegments >> (write ? seg + 8 : seg)) & 1) == 0 || offset > (uint)-size))
            CheckSegmentAccess(ref s, seg, offset, size, write);
        return s.Base + offset;
    }

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

    public byte ReadMem8(int seg, uint offset) => ReadLinear8(Linear(seg, offset, 1, false));
    public ushort ReadMem16(int seg, uint offset) => ReadLinear16(Linear(seg, offset, 2, false));
    public uint ReadMem32(int seg, uint offset) => ReadLinear32(Linear(seg, offset, 4, false));
    public void WriteMem8(int seg, uint offset, byte v) => WriteLinear8(Linear(seg, offset, 1, true), v);
    public void WriteMem16(int seg, uint offset, ushort v) => WriteLinear16(Linear(seg, offset, 2, true), v);
    public void WriteMem32(int seg, uint offset, uint v) => WriteLinear32(Linear(seg, offset, 4, true), v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadMem(int seg, uint offset, int size) => size switch
    {
        1 => ReadMem8(seg, offset),
        2 => ReadMem16(seg, offset),
        _ => ReadMem32(seg, offset),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteMem(int seg, uint offset, int size, uint value)
    {
        switch (size)
        {
            case 1: WriteMem8(seg, offset, (byte)value); break;
            case 2: WriteMem16(seg, offset, (ushort)value); break;
            default: WriteMem32(seg, offset, value); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadLinear(ulong la, int size) => size switch
    {
        1 => ReadLinear8(la),
        2 => ReadLinear16(la),
        _ => ReadLinear32(la),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteLinear(ulong la, int size, uint value)
    {
        switch (size)
        {
            case 1: WriteLinear8(la, (byte)value); break;
            case 2: WriteLinear16(la, (ushort)value); break;
            default: WriteLinear32(la, value); break;
        }
    }
}
