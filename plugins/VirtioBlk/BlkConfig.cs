using System.Buffers.Binary;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// <c>struct virtio_blk_config</c> (virtio 1.2, section 5.2.4) for an image of <c>capacity</c>
/// sectors: the fields of the offered features, the rest zero.
/// </summary>
public static class BlkConfig
{
    public const int Capacity = 0;
    public const int SegMax = 12;
    public const int BlockSize = 20;
    public const int MaxDiscardSectors = 36;
    public const int MaxDiscardSegments = 40;
    public const int DiscardSectorAlignment = 44;
    public const int MaxWriteZeroesSectors = 48;
    public const int MaxWriteZeroesSegments = 52;
    public const int Size = 60;

    /// <summary>The most sectors one discard or write-zeroes segment may cover.</summary>
    public const uint MaxSectorsPerSegment = 0x3f_ffff;

    public static byte[] Build(ulong capacitySectors, uint segMax)
    {
        var config = new byte[Size];
        BinaryPrimitives.WriteUInt64LittleEndian(config.AsSpan(Capacity), capacitySectors);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(SegMax), segMax);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(BlockSize), BlkLayout.SectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(MaxDiscardSectors), MaxSectorsPerSegment);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(MaxDiscardSegments), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(DiscardSectorAlignment), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(MaxWriteZeroesSectors), MaxSectorsPerSegment);
        BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(MaxWriteZeroesSegments), 1);
        return config;
    }
}
