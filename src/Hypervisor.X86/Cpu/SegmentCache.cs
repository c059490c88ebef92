namespace Hypervisor.X86.Cpu;

/// <summary>
/// A segment register's visible selector and hidden descriptor cache (SDM Vol. 3, 3.4.3).
/// <see cref="Type"/> holds the 4-bit descriptor type; <see cref="Limit"/> is already scaled by G.
/// </summary>
internal struct SegmentCache
{
    public ushort Selector;
    /// <summary>The segment base: 32 bits, except FS and GS in 64-bit mode (their base MSRs).</summary>
    public ulong Base;
    public uint Limit;
    public byte Type;
    public byte Dpl;
    public bool Present;
    public bool S;
    public bool Db;
    public bool G;
    public bool Avl;
    public bool L;
    public bool Unusable;

    /// <summary>Code segment (S=1, type bit 3).</summary>
    public readonly bool IsCode => S && (Type & 8) != 0;
    /// <summary>Data segment with expand-down (S=1, type bit 3 clear, bit 2 set).</summary>
    public readonly bool IsExpandDown => S && (Type & 0xC) == 4;
    /// <summary>Writable data segment.</summary>
    public readonly bool IsWritable => S && (Type & 0xA) == 2;
    /// <summary>Readable: any data segment, or code with R.</summary>
    public readonly bool IsReadable => S && ((Type & 8) == 0 || (Type & 2) != 0);
    /// <summary>Conforming code segment.</summary>
    public readonly bool IsConforming => S && (Type & 0xC) == 0xC;

    public static SegmentCache Real(ushort selector, byte type) => new()
    {
        Selector = selector,
        Base = (uint)selector << 4,
        Limit = 0xFFFF,
        Type = type,
        Present = true,
        S = true,
    };
}
