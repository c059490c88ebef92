namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// Where the virtio-pci modern transport puts things (virtio 1.2, section 4.1): its identity, the
/// vendor capabilities in configuration space and the four regions they point at in BAR 0.
/// </summary>
public static class VirtioPciLayout
{
    /// <summary>Red Hat / virtio.</summary>
    public const ushort VendorId = 0x1af4;
    /// <summary>A modern device's ID is this plus its virtio device type.</summary>
    public const ushort ModernDeviceIdBase = 0x1040;
    /// <summary>Revision 1: a modern-only (non-transitional) device.</summary>
    public const byte Revision = 1;
    /// <summary>Subsystem IDs of modern devices start here.</summary>
    public const ushort SubsystemId = 0x40;

    /// <summary>PCI capability ID of the virtio structures.</summary>
    public const byte VendorCapability = 0x09;
    /// <summary>The PCI status register's "capabilities list" bit.</summary>
    public const ushort StatusCapabilitiesList = 0x10;

    // cfg_type values.
    public const byte CommonConfigType = 1;
    public const byte NotifyConfigType = 2;
    public const byte IsrConfigType = 3;
    public const byte DeviceConfigType = 4;

    /// <summary>Offsets of the capabilities in configuration space (the chain starts at the first).</summary>
    public const int CommonCapability = 0x40;
    public const int IsrCapability = 0x50;
    public const int DeviceCapability = 0x60;
    public const int NotifyCapability = 0x70;
    public const int CapabilityLength = 16;
    /// <summary>The notify capability carries notify_off_multiplier too.</summary>
    public const int NotifyCapabilityLength = 20;

    /// <summary>BAR 0: 16 KiB of 32-bit memory, one 4 KiB page per region.</summary>
    public const ulong BarSize = 0x4000;
    public const ulong CommonOffset = 0x0000;
    public const ulong IsrOffset = 0x1000;
    public const ulong DeviceOffset = 0x2000;
    public const ulong NotifyOffset = 0x3000;
    public const uint RegionLength = 0x1000;
    /// <summary>With MSI-X (a machine with an APIC) BAR 0 is 32 KiB: the table and the pending bits follow the four regions.</summary>
    public const ulong MsixBarSize = 0x8000;
    public const ulong MsixTableOffset = 0x4000;
    public const ulong MsixPendingOffset = 0x5000;
    /// <summary>The MSI-X capability follows the notify capability.</summary>
    public const int MsixCapability = NotifyCapability + NotifyCapabilityLength;

    /// <summary>Queue N is notified by a write at NotifyOffset + N * this.</summary>
    public const uint NotifyOffMultiplier = 4;
}
