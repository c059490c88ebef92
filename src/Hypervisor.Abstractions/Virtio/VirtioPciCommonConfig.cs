namespace Hypervisor.Abstractions.Virtio;

/// <summary>Offsets of <c>struct virtio_pci_common_cfg</c> (virtio 1.2, section 4.1.4.3).</summary>
public static class VirtioPciCommonConfig
{
    public const int DeviceFeatureSelect = 0x00;
    public const int DeviceFeature = 0x04;
    public const int DriverFeatureSelect = 0x08;
    public const int DriverFeature = 0x0c;
    public const int ConfigMsixVector = 0x10;
    public const int NumQueues = 0x12;
    public const int DeviceStatus = 0x14;
    public const int ConfigGeneration = 0x15;
    public const int QueueSelect = 0x16;
    public const int QueueSize = 0x18;
    public const int QueueMsixVector = 0x1a;
    public const int QueueEnable = 0x1c;
    public const int QueueNotifyOff = 0x1e;
    public const int QueueDesc = 0x20;
    public const int QueueDriver = 0x28;
    public const int QueueDevice = 0x30;
    public const int QueueNotifyData = 0x38;
    public const int QueueReset = 0x3a;
    /// <summary>The structure's size with the 1.2 fields.</summary>
    public const int Size = 0x3c;

    /// <summary>"No MSI-X vector": what the vector registers read without MSI-X, or after an unusable vector.</summary>
    public const ushort NoVector = 0xffff;
}
