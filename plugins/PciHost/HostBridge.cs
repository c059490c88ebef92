using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Pci;

/// <summary>The host bridge at 00:00.0: an Intel 82441FX (i440FX) PMC, the chipset QEMU's "pc" machine has.</summary>
public static class HostBridge
{
    public const ushort IntelVendorId = 0x8086;
    public const ushort I440FxDeviceId = 0x1237;
    public const byte I440FxRevision = 0x02;

    /// <summary>Class 06 (bridge), subclass 00 (host bridge), programming interface 00.</summary>
    public const uint HostBridgeClass = 0x06_00_00;

    /// <summary>
    /// QEMU's subsystem IDs (Red Hat, "QEMU"), which every QEMU PCI function carries: SeaBIOS checks the
    /// host bridge's to know it runs on QEMU's platform, and only then reads fw_cfg.
    /// </summary>
    public const ushort QemuSubsystemVendorId = 0x1af4;
    public const ushort QemuSubsystemId = 0x1100;

    public static readonly PciAddress Address = new(0, 0, 0);

    /// <summary>The bridge's configuration space, with the PAM registers (<see cref="PamRegisters"/>) open to the guest.</summary>
    public static PciConfigSpace Create()
    {
        var space = new PciConfigSpace(IntelVendorId, I440FxDeviceId, HostBridgeClass, I440FxRevision,
            subsystemVendorId: QemuSubsystemVendorId, subsystemId: QemuSubsystemId);
        PamRegisters.MakeWritable(space);
        return space;
    }
}
