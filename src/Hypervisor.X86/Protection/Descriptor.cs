namespace Hypervisor.X86.Cpu;

/// <summary>A segment or gate descriptor from the GDT, LDT or IDT (SDM Vol. 3, 3.4.5 and 6.11).</summary>
internal readonly struct Descriptor
{
    public readonly uint Low;
    public readonly uint High;

    public Descriptor(uint low, uint high)
    {
        Low = low;
        High = high;
    }

    public uint Base => (Low >> 16) | ((High & 0xFF) << 16) | (High & 0xFF000000);
    public uint RawLimit => (Low & 0xFFFF) | (High & 0x000F0000);
    /// <summary>The limit in bytes (G scales by 4 KiB and fills the low 12 bits).</summary>
    public uint Limit => G ? (RawLimit << 12) | 0xFFF : RawLimit;
    public byte Type => (byte)((High >> 8) & 0xF);
    public bool S => (High & (1u << 12)) != 0;
    public int Dpl => (int)((High >> 13) & 3);
    public bool Present => (High & (1u << 15)) != 0;
    public bool Avl => (High & (1u << 20)) != 0;
    public bool L => (High & (1u << 21)) != 0;
    public bool Db => (High & (1u << 22)) != 0;
    public bool G => (High & (1u << 23)) != 0;

    public bool IsCode => S && (Type & 8) != 0;
    public bool IsData => S && (Type & 8) == 0;
    public bool IsConforming => IsCode && (Type & 4) != 0;
    public bool IsReadable => IsData || (Type & 2) != 0;
    public bool IsWritableData => IsData && (Type & 2) != 0;

    // Gates (S = 0).
    public ushort GateSelector => (ushort)(Low >> 16);
    public uint GateOffset => (Low & 0xFFFF) | (High & 0xFFFF0000);
    public int GateParameterCount => (int)(High & 0x1F);

    /// <summary>The hidden-cache form of this descriptor for a segment register.</summary>
    public SegmentCache ToCache(ushort selector) => new()
    {
        Selector = selector,
        Base = Base,
        Limit = Limit,
        Type = Type,
        Dpl = (byte)Dpl,
        Present = Present,
        S = S,
        Db = Db,
        G = G,
        Avl = Avl,
        L = L,
    };
}

/// <summary>System descriptor and gate types (S = 0), SDM Vol. 3, Table 3-2.</summary>
internal static class SystemType
{
    public const byte Tss16Available = 1, Ldt = 2, Tss16Busy = 3, CallGate16 = 4, TaskGate = 5;
    public const byte InterruptGate16 = 6, TrapGate16 = 7, Tss32Available = 9, Tss32Busy = 0xB;
    public const byte CallGate32 = 0xC, InterruptGate32 = 0xE, TrapGate32 = 0xF;
}
