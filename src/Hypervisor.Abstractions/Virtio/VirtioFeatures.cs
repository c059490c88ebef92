namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// Feature bits every transport offers on top of a device's own (virtio 1.2, section 6). Device
/// feature bits are 0-23; these are the reserved range.
/// </summary>
public static class VirtioFeatures
{
    /// <summary>Descriptors may point at an indirect descriptor table (VIRTIO_F_INDIRECT_DESC).</summary>
    public const ulong IndirectDescriptors = 1UL << 28;
    /// <summary>used_event / avail_event suppress notifications and interrupts (VIRTIO_F_EVENT_IDX).</summary>
    public const ulong EventIndex = 1UL << 29;
    /// <summary>A modern (1.x) device (VIRTIO_F_VERSION_1); the only kind MiniVmm offers.</summary>
    public const ulong Version1 = 1UL << 32;

    /// <summary>What the transport adds to every device's features.</summary>
    public const ulong Transport = IndirectDescriptors | EventIndex | Version1;
}
