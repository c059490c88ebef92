namespace Hypervisor.Abstractions.Virtio;

/// <summary>Virtio device IDs (virtio 1.2, section 5): what the driver binds to.</summary>
public static class VirtioDeviceType
{
    public const ushort Network = 1;
    public const ushort Block = 2;
    public const ushort Console = 3;
    public const ushort Entropy = 4;
}
