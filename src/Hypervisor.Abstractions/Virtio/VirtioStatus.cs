namespace Hypervisor.Abstractions.Virtio;

/// <summary>Bits of the device status field (virtio 1.2, section 2.1): the driver's progress, and the device's alarm.</summary>
public static class VirtioStatus
{
    public const byte Acknowledge = 0x01;
    public const byte Driver = 0x02;
    public const byte DriverOk = 0x04;
    public const byte FeaturesOk = 0x08;
    /// <summary>Set by the device: it met an error it cannot recover from (a bad descriptor); the driver must reset it.</summary>
    public const byte NeedsReset = 0x40;
    public const byte Failed = 0x80;
}
