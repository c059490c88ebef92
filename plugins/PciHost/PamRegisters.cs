using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Pci;

/// <summary>
/// The i440FX Programmable Attribute Map registers (82441FX datasheet 3.2.18, PAM0-PAM6 at
/// configuration offsets 0x59-0x5F): each nibble holds RE (read enable) and WE (write enable) for a
/// segment of 0xC0000-0xFFFFF, sending its reads and writes to DRAM (the shadow copy) or to the
/// ROM side. PAM0's high nibble covers 0xF0000-0xFFFFF; the others cover 16 KiB each, low nibble first.
/// </summary>
public static class PamRegisters
{
    public const int First = 0x59;
    public const int Count = 7;

    /// <summary>RE and WE in a nibble; bits 2-3 are reserved.</summary>
    public const byte NibbleMask = 0x3;
    private const byte ReadEnable = 0x1;
    private const byte WriteEnable = 0x2;

    /// <summary>PAM0's low nibble is reserved; its high nibble covers the BIOS area.</summary>
    public const byte Pam0Writable = NibbleMask << 4;
    public const byte PamWritable = NibbleMask << 4 | NibbleMask;

    private const ulong SegmentSize = 0x4000;
    private const ulong BiosAreaStart = 0xF0000;
    private const ulong BiosAreaSize = 0x10000;
    private const ulong ExpansionStart = 0xC0000;

    /// <summary>Opens PAM0-PAM6 to the guest (reset value 0: every segment on the ROM side).</summary>
    public static void MakeWritable(PciConfigSpace space)
    {
        space.MakeWritable(First, 1, Pam0Writable);
        for (int i = 1; i < Count; i++)
            space.MakeWritable(First + i, 1, PamWritable);
    }

    /// <summary>True when a configuration write of <paramref name="size"/> bytes at <paramref name="offset"/> touches a PAM register.</summary>
    public static bool Touches(int offset, int size) => offset < First + Count && offset + size > First;

    /// <summary>Routes every segment as the registers in <paramref name="space"/> say.</summary>
    public static void Apply(PciConfigSpace space, IMemoryMap map)
    {
        byte pam0 = (byte)space.ReadConfig(First, 1);
        map.SetShadow(BiosAreaStart, BiosAreaSize, Access(pam0 >> 4));
        for (int i = 1; i < Count; i++)
        {
            byte pam = (byte)space.ReadConfig(First + i, 1);
            ulong low = ExpansionStart + (ulong)(i - 1) * 2 * SegmentSize;
            map.SetShadow(low, SegmentSize, Access(pam));
            map.SetShadow(low + SegmentSize, SegmentSize, Access(pam >> 4));
        }
    }

    private static ShadowAccess Access(int nibble) =>
        ((nibble & ReadEnable) != 0 ? ShadowAccess.ReadRam : ShadowAccess.None)
        | ((nibble & WriteEnable) != 0 ? ShadowAccess.WriteRam : ShadowAccess.None);
}
