namespace MiniVmm.Devices.VirtioBlk;

/// <summary>virtio-blk feature bits (virtio 1.2, section 5.2.3).</summary>
public static class BlkFeature
{
    public const ulong SegMax = 1UL << 2;
    public const ulong ReadOnly = 1UL << 5;
    public const ulong BlockSize = 1UL << 6;
    public const ulong Flush = 1UL << 9;
    public const ulong Discard = 1UL << 13;
    public const ulong WriteZeroes = 1UL << 14;
}

/// <summary>Request types (the header's <c>type</c>).</summary>
public static class BlkRequestType
{
    public const uint In = 0;
    public const uint Out = 1;
    public const uint Flush = 4;
    public const uint GetId = 8;
    public const uint Discard = 11;
    public const uint WriteZeroes = 13;
}

/// <summary>The status byte the device writes last.</summary>
public static class BlkStatus
{
    public const byte Ok = 0;
    public const byte IoError = 1;
    public const byte Unsupported = 2;
}

/// <summary>Sizes of the request's parts.</summary>
public static class BlkLayout
{
    public const int SectorSize = 512;
    /// <summary>type (4), reserved (4), sector (8).</summary>
    public const int HeaderSize = 16;
    /// <summary>A discard / write-zeroes segment: sector (8), num_sectors (4), flags (4).</summary>
    public const int SegmentSize = 16;
    /// <summary>GET_ID answers at most 20 bytes, not NUL-terminated when full.</summary>
    public const int IdSize = 20;
}
