namespace Hypervisor.Abstractions.Virtio;

/// <summary>The split virtqueue's layout in guest memory (virtio 1.2, section 2.7).</summary>
public static class SplitRing
{
    /// <summary>A descriptor: addr (8), len (4), flags (2), next (2).</summary>
    public const int DescriptorSize = 16;
    /// <summary>The chain continues at <c>next</c>.</summary>
    public const ushort DescriptorNext = 1;
    /// <summary>The device writes this buffer.</summary>
    public const ushort DescriptorWrite = 2;
    /// <summary>The buffer is a table of descriptors (an indirect chain).</summary>
    public const ushort DescriptorIndirect = 4;

    /// <summary>Driver area: flags (2), idx (2), ring[size] (2 each), used_event (2).</summary>
    public const int AvailRingOffset = 4;
    /// <summary>The driver does not want interrupts (ignored with event index).</summary>
    public const ushort AvailNoInterrupt = 1;

    /// <summary>Device area: flags (2), idx (2), ring[size] of {id (4), len (4)}, avail_event (2).</summary>
    public const int UsedRingOffset = 4;
    public const int UsedElementSize = 8;

    public static ulong DescriptorTableBytes(int size) => (ulong)(DescriptorSize * size);

    public static ulong DriverAreaBytes(int size) => (ulong)(AvailRingOffset + 2 * size + 2);

    public static ulong DeviceAreaBytes(int size) => (ulong)(UsedRingOffset + UsedElementSize * size + 2);
}
