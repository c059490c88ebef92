using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Ide;

/// <summary>The configuration spaces of the PIIX3 functions, with QEMU's subsystem IDs (1af4:1100) as on <c>-M pc</c>.</summary>
public static class Piix3Functions
{
    public const ushort IntelVendor = 0x8086;
    public const ushort IsaBridgeDevice = 0x7000;
    public const ushort IdeDevice = 0x7010;
    private const ushort QemuSubsystemVendor = 0x1af4;
    private const ushort QemuSubsystem = 0x1100;
    /// <summary>IDETIM primary and secondary (0x40-0x43): bit 15 of each enables the channel's decode.</summary>
    public const int IdeTiming = 0x40;
    /// <summary>PIRQA-D route control (0x60-0x63).</summary>
    public const int PirqRoute = 0x60;

    /// <summary>The IDE function: mass storage, IDE, prog-if 0x80 (legacy channels, bus-master capable).</summary>
    public static PciConfigSpace Ide()
    {
        var config = new PciConfigSpace(IntelVendor, IdeDevice, 0x01_01_80,
            subsystemVendorId: QemuSubsystemVendor, subsystemId: QemuSubsystem);
        config.MakeWritable(IdeTiming, 4, 0xffff_ffff);
        config.MakeWritable(IdeTiming + 4, 1, 0xff); // SIDETIM
        return config;
    }

    /// <summary>The ISA bridge: function 0 of a multi-function device, PIRQ routing registers reading "disabled" (0x80) at reset.</summary>
    public static PciConfigSpace IsaBridge()
    {
        var config = new PciConfigSpace(IntelVendor, IsaBridgeDevice, 0x06_01_00,
            subsystemVendorId: QemuSubsystemVendor, subsystemId: QemuSubsystem);
        config.Set16(PciConfigRegister.HeaderType, 0x80);
        config.MakeWritable(PirqRoute, 4, 0x0f0f_0f0f);
        config.Set32(PirqRoute, 0x8080_8080);
        return config;
    }
}
