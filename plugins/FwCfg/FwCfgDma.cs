using System.Buffers.Binary;

namespace MiniVmm.Devices.FwCfg;

/// <summary>
/// One FWCfgDmaAccess descriptor in guest memory (all big-endian): control, length, address. The
/// guest writes its address to the DMA register; the device runs it and writes control back as 0,
/// or with <see cref="Error"/> set.
/// </summary>
public static class FwCfgDma
{
    public const int DescriptorSize = 16;

    public const uint Error = 1u << 0;
    public const uint Read = 1u << 1;
    public const uint Skip = 1u << 2;
    public const uint Select = 1u << 3;
    public const uint Write = 1u << 4;

    /// <summary>With <see cref="Select"/>, the key is in control bits 31:16.</summary>
    public const int SelectorShift = 16;

    /// <summary>"QEMU CFG": what reads of the DMA register return (a big-endian 64-bit value).</summary>
    public const ulong Signature = 0x51454d5520434647;

    public static (uint Control, uint Length, ulong Address) Parse(ReadOnlySpan<byte> descriptor) => (
        BinaryPrimitives.ReadUInt32BigEndian(descriptor),
        BinaryPrimitives.ReadUInt32BigEndian(descriptor[4..]),
        BinaryPrimitives.ReadUInt64BigEndian(descriptor[8..]));
}
