using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>Builds the block device from an entry's options (shared by both transports).</summary>
internal static class VirtioBlkOptions
{
    public static VirtioBlk Build(DeviceContext context)
    {
        string image = context.Options.GetString("image", "");
        if (image.Length == 0)
            throw new DeviceConfigurationException("image", "needs the raw disk image's path");
        bool readOnly = context.Options.GetBoolean("readonly", false);
        string serial = context.Options.GetString("serial", context.Name);
        return new VirtioBlk(new BlkImage(Path.Combine(context.BaseDirectory, image), readOnly), serial, context.Logger);
    }
}

/// <summary>virtio-blk on the virtio-mmio transport (QEMU's virtio-blk-device).</summary>
[Device("virtio-blk-mmio", Description = "virtio block device on a raw image, virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
[DeviceOption("image", "the raw disk image (required)")]
[DeviceOption("readonly", "offer the disk read-only (writes fail)", Default = "false")]
[DeviceOption("serial", "the ID the guest reads (20 bytes at most)", Default = "the entry's name")]
public sealed class VirtioBlkMmio(DeviceContext context) : VirtioMmioTransport(context, VirtioBlkOptions.Build(context));

/// <summary>virtio-blk on the virtio-pci modern transport (QEMU's virtio-blk-pci, non-transitional).</summary>
[Device("virtio-blk-pci", Description = "virtio block device on a raw image, virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:05.0); needs a pci-host entry")]
[DeviceOption("image", "the raw disk image (required)")]
[DeviceOption("readonly", "offer the disk read-only (writes fail)", Default = "false")]
[DeviceOption("serial", "the ID the guest reads (20 bytes at most)", Default = "the entry's name")]
public sealed class VirtioBlkPci(DeviceContext context) : VirtioPciTransport(context, VirtioBlkOptions.Build(context), StorageClass)
{
    /// <summary>Mass storage, SCSI subclass: what QEMU gives virtio-blk.</summary>
    public const uint StorageClass = 0x01_00_00;
}
