namespace Hypervisor.Abstractions.Virtio;

/// <summary>Offsets of the virtio-mmio version 2 registers (virtio 1.2, section 4.2.2).</summary>
public static class VirtioMmioRegister
{
    public const ulong MagicValue = 0x000;
    public const ulong Version = 0x004;
    public const ulong DeviceId = 0x008;
    public const ulong VendorId = 0x00c;
    public const ulong DeviceFeatures = 0x010;
    public const ulong DeviceFeaturesSel = 0x014;
    public const ulong DriverFeatures = 0x020;
    public const ulong DriverFeaturesSel = 0x024;
    public const ulong QueueSel = 0x030;
    public const ulong QueueNumMax = 0x034;
    public const ulong QueueNum = 0x038;
    public const ulong QueueReady = 0x044;
    public const ulong QueueNotify = 0x050;
    public const ulong InterruptStatus = 0x060;
    public const ulong InterruptAck = 0x064;
    public const ulong Status = 0x070;
    public const ulong QueueDescLow = 0x080;
    public const ulong QueueDescHigh = 0x084;
    public const ulong QueueDriverLow = 0x090;
    public const ulong QueueDriverHigh = 0x094;
    public const ulong QueueDeviceLow = 0x0a0;
    public const ulong QueueDeviceHigh = 0x0a4;
    public const ulong ConfigGeneration = 0x0fc;
    /// <summary>The device-specific configuration space starts here.</summary>
    public const ulong Config = 0x100;

    /// <summary>"virt" in little-endian ASCII.</summary>
    public const uint Magic = 0x7472_6976;
    /// <summary>The modern (virtio 1.x) register layout.</summary>
    public const uint ModernVersion = 2;
    /// <summary>"QEMU" as a vendor ID, which Linux ignores; QEMU and Firecracker use it too.</summary>
    public const uint Vendor = 0x554d_4551;
    /// <summary>The window size: registers and a configuration space up to 0xf00 bytes.</summary>
    public const ulong WindowSize = 0x1000;
}
