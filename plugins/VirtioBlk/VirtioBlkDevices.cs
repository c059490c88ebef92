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
        string overlay = context.Options.GetString("overlay", "");
        bool ioThread = context.Options.GetBoolean("iothread", !context.Clock.Deterministic);
        string path = Path.Combine(context.BaseDirectory, image);
        if (overlay.Length == 0)
            return new VirtioBlk(new BlkImage(path, readOnly), serial, context.Logger, ioThread);
        if (readOnly)
            throw new DeviceConfigurationException("overlay", "a read-only disk takes no overlay (its writes fail); drop one of \"readonly\" and \"overlay\"");
        var baseImage = new BlkImage(path, readOnly: true);
        try
        {
            IOverlayClusters clusters = overlay == MemoryOverlayName
                ? new MemoryOverlay()
                : new OverlayFile(Path.Combine(context.BaseDirectory, overlay), baseImage.Sectors);
            return new VirtioBlk(new CowOverlay(baseImage, clusters), serial, context.Logger, ioThread);
        }
        catch
        {
            baseImage.Dispose();
            throw;
        }
    }

    /// <summary>The <c>"overlay"</c> value that keeps the guest's writes in host memory.</summary>
    public const string MemoryOverlayName = "memory";
}

/// <summary>virtio-blk on the virtio-mmio transport (QEMU's virtio-blk-device).</summary>
[Device("virtio-blk-mmio", Description = "virtio block device on a raw image, virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
[DeviceOption("image", "the raw disk image (required)")]
[DeviceOption("readonly", "offer the disk read-only (writes fail)", Default = "false")]
[DeviceOption("serial", "the ID the guest reads (20 bytes at most)", Default = "the entry's name")]
[DeviceOption("overlay", "copy-on-write: the image is opened read-only and never changes; the guest's writes go to this overlay file (created when absent, kept across runs) or, with \"memory\", to host memory", Default = "none")]
[DeviceOption("iothread", "do the disk I/O on the device's own thread (false: on the notifying vCPU, so a run repeats exactly)", Default = "true, false with the deterministic clock")]
public sealed class VirtioBlkMmio(DeviceContext context) : VirtioMmioTransport(context, VirtioBlkOptions.Build(context));

/// <summary>virtio-blk on the virtio-pci modern transport (QEMU's virtio-blk-pci, non-transitional).</summary>
[Device("virtio-blk-pci", Description = "virtio block device on a raw image, virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:05.0); needs a pci-host entry")]
[DeviceOption("image", "the raw disk image (required)")]
[DeviceOption("readonly", "offer the disk read-only (writes fail)", Default = "false")]
[DeviceOption("serial", "the ID the guest reads (20 bytes at most)", Default = "the entry's name")]
[DeviceOption("overlay", "copy-on-write: the image is opened read-only and never changes; the guest's writes go to this overlay file (created when absent, kept across runs) or, with \"memory\", to host memory", Default = "none")]
[DeviceOption("iothread", "do the disk I/O on the device's own thread (false: on the notifying vCPU, so a run repeats exactly)", Default = "true, false with the deterministic clock")]
public sealed class VirtioBlkPci(DeviceContext context) : VirtioPciTransport(context, VirtioBlkOptions.Build(context), StorageClass)
{
    /// <summary>Mass storage, SCSI subclass: what QEMU gives virtio-blk.</summary>
    public const uint StorageClass = 0x01_00_00;
}
