namespace Hypervisor.Abstractions.Virtio;

/// <summary>Bits of the interrupt status (virtio-mmio InterruptStatus, virtio-pci ISR).</summary>
public static class VirtioInterrupt
{
    /// <summary>A queue has new used buffers.</summary>
    public const uint UsedBuffer = 1;
    /// <summary>The configuration changed (or the device needs a reset).</summary>
    public const uint ConfigChange = 2;
}
