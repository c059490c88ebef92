using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// The configuration space of the PIIX4 power-management function (8086:7113, bridge class 0680,
/// revision 3, QEMU's subsystem 1af4:1100 as on <c>-M pc</c>) and its device-specific registers
/// (PIIX4 datasheet, "PCI Configuration — Power Management Function").
/// </summary>
public static class Piix4PmConfig
{
    public const ushort IntelVendor = 0x8086;
    public const ushort DeviceId = 0x7113;
    private const ushort QemuSubsystemVendor = 0x1af4;
    private const ushort QemuSubsystem = 0x1100;

    /// <summary>PMBA (0x40, 32 bits): the PM I/O block's base, bits 15:6; bit 0 reads 1 (I/O space).</summary>
    public const int PmBase = 0x40;
    /// <summary>The PMBA bits that hold the base: the block is 64 ports, 64-aligned.</summary>
    public const uint PmBaseMask = 0xffc0;
    /// <summary>PMREGMISC (0x80): bit 0 (PMIOSE) enables the PM I/O block at PMBA.</summary>
    public const int PmMisc = 0x80;
    public const byte PmIoSpaceEnable = 0x01;
    /// <summary>SMBBA (0x90): the SMBus controller's base. Kept for the firmware; nothing decodes there.</summary>
    public const int SmbusBase = 0x90;
    /// <summary>SMBHSTCFG (0xd2): bit 0 would enable the SMBus host; stored only.</summary>
    public const int SmbusHostConfig = 0xd2;
    /// <summary>DEVACTB (0x58): bit 25 (APMC_EN) routes APM control port writes to SMI.</summary>
    public const int DeviceActivityB = 0x58;
    public const uint ApmcEnable = 1u << 25;

    /// <summary>
    /// A fresh configuration space: PMBA, PMREGMISC, SMBBA and SMBHSTCFG writable, the PM block off.
    /// DEVACTB reads APMC_EN set: SeaBIOS then takes SMM as already set up and leaves the SMI
    /// handshake alone (there is no SMM here).
    /// </summary>
    public static PciConfigSpace Create()
    {
        var config = new PciConfigSpace(IntelVendor, DeviceId, 0x06_80_00, revision: 0x03,
            interruptPin: 1, subsystemVendorId: QemuSubsystemVendor, subsystemId: QemuSubsystem);
        config.MakeWritable(PmBase, 4, PmBaseMask);
        config.Set32(PmBase, 0x1);
        config.MakeWritable(PmMisc, 1, PmIoSpaceEnable);
        config.MakeWritable(SmbusBase, 4, 0x0000_fff0);
        config.Set32(SmbusBase, 0x1);
        config.MakeWritable(SmbusHostConfig, 1, 0x0f);
        config.Set32(DeviceActivityB, ApmcEnable);
        return config;
    }

    /// <summary>Where the PM block decodes by PMREGMISC and PMBA, or null when it decodes nothing (disabled, or at port 0 as an unprogrammed BAR).</summary>
    public static ushort? PmIoBase(PciConfigSpace config)
    {
        if ((config.ReadConfig(PmMisc, 1) & PmIoSpaceEnable) == 0)
            return null;
        uint address = config.ReadConfig(PmBase, 4) & PmBaseMask;
        return address == 0 ? null : (ushort)address;
    }
}
