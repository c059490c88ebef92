using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Ide;

/// <summary>The configuration spaces of the PIIX3 functions, with QEMU's subsystem IDs (1af4:1100) as on <c>-M pc</c>.</summary>
public static class Piix3Functions
{
    public const ushort IntelVendor = 0x8086;
    public const ushort IsaBridgeDevice = 0x7000;
    public const ushort IdeDevice = 0x7010;
    public const ushort Piix4PmDevice = 0x7113;
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

    /// <summary>PMBA (0x40): the PM I/O block's base, bit 0 set (I/O space).</summary>
    public const int PmBase = 0x40;
    /// <summary>PMREGMISC (0x80): bit 0 enables the PM I/O block.</summary>
    public const int PmMisc = 0x80;
    /// <summary>DEVACTB (0x58): bit 25 (APMC_EN) routes APM control port writes to SMI.</summary>
    public const int DeviceActivityB = 0x58;
    public const uint ApmcEnable = 1u << 25;

    /// <summary>
    /// The PIIX4 power-management function (bridge class 0680, revision 3, as QEMU's), its PM and SMBus
    /// base registers writable. DEVACTB reads APMC_EN set: SeaBIOS then takes SMM as already set up
    /// and leaves the SMI handshake alone (there is no SMM here).
    /// </summary>
    public static PciConfigSpace Piix4Pm()
    {
        var config = new PciConfigSpace(IntelVendor, Piix4PmDevice, 0x06_80_00, revision: 0x03,
            interruptPin: 1, subsystemVendorId: QemuSubsystemVendor, subsystemId: QemuSubsystem);
        config.MakeWritable(PmBase, 4, 0x0000_ffc0);
        config.Set32(PmBase, 0x1);
        config.MakeWritable(PmMisc, 1, 0x01);
        config.MakeWritable(0x90, 4, 0x0000_fff0); // SMBBA
        config.Set32(0x90, 0x1);
        config.MakeWritable(0xd2, 1, 0x0f); // SMBHSTCFG
        config.Set32(DeviceActivityB, ApmcEnable);
        return config;
    }

    /// <summary>Adds <paramref name="function"/> at the entry's <c>pciAddress</c> option, or at <paramref name="fallback"/>.</summary>
    public static PciAddress AddAt(DeviceContext context, IPciFunction function, string fallback)
    {
        string text = context.Options.GetString("pciAddress", fallback);
        if (!PciAddress.TryParse(text, out var address) || address.Bus != 0)
            throw new DeviceConfigurationException("pciAddress", $"'{text}' is not a PCI address on bus 00 (DD.F in hexadecimal, e.g. \"{fallback}\")");
        try
        {
            context.Pci.Add(address, function, context.Name);
        }
        catch (DeviceConfigurationException taken)
        {
            throw new DeviceConfigurationException("pciAddress", taken.Message);
        }
        return address;
    }
}
