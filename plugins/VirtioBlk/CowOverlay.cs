namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// A copy-on-write disk: reads come from the overlay where the guest has written, from the base
/// image elsewhere; the base is opened read-only and never changes. The overlay keeps whole
/// clusters (<see cref="ClusterSize"/>): the first write into a cluster copies it from the base,
/// merges the write and marks the cluster in the overlay's bitmap.
/// </summary>
public sealed class CowOverlay : BlockStore
{
    /// <summary>The unit the overlay allocates in (QEMU's qcow2 default).</summary>
    public const int ClusterSize = 64 * 1024;

    private readonly BlkImage _base;
    private readonly IOverlayClusters _overlay;
    private readonly byte[] _merge = new byte[ClusterSize];

    public CowOverlay(BlkImage baseImage, IOverlayClusters overlay)
    {
        _base = baseImage;
        _overlay = overlay;
    }

    public override bool ReadOnly => false;

    public override ulong Sectors => _base.Sectors;

    /// <summary>The disk's size in bytes (whole sectors of the base).</summary>
    public static ulong DiskBytes(ulong sectors) => sectors * BlkLayout.SectorSize;

    /// <summary>How many clusters cover a disk of <paramref name="sectors"/>.</summary>
    public static ulong ClusterCount(ulong sectors) => (DiskBytes(sectors) + ClusterSize - 1) / ClusterSize;

    /// <summary>Clusters the guest has written so far.</summary>
    public ulong AllocatedClusters => _overlay.AllocatedClusters;

    public override void Read(ulong sector, Span<byte> data)
    {
        ulong offset = sector * BlkLayout.SectorSize;
        while (data.Length > 0)
        {
            var (cluster, within, count) = Split(offset, data.Length);
            if (_overlay.IsAllocated(cluster))
                _overlay.Read(cluster, within, data[..count]);
            else
                _base.Read(offset / BlkLayout.SectorSize, data[..count]);
            data = data[count..];
            offset += (ulong)count;
        }
    }

    public override void Write(ulong sector, ReadOnlySpan<byte> data)
    {
        ulong offset = sector * BlkLayout.SectorSize;
        while (data.Length > 0)
        {
            var (cluster, within, count) = Split(offset, data.Length);
            if (_overlay.IsAllocated(cluster))
            {
                _overlay.Write(cluster, within, data[..count]);
            }
            else
            {
                // Copy on write: the base's cluster, this write merged in, as one new overlay cluster.
                var whole = _merge.AsSpan(0, ClusterBytes(cluster));
                if (count < whole.Length)
                    _base.Read(cluster * ClusterSize / BlkLayout.SectorSize, whole);
                data[..count].CopyTo(whole[within..]);
                _overlay.Allocate(cluster, whole);
            }
            data = data[count..];
            offset += (ulong)count;
        }
    }

    /// <summary>fsync of the overlay (the base never changes).</summary>
    public override void Flush() => _overlay.Flush();

    /// <summary>Nothing: a discarded range of the base must still read as the base (the spec allows ignoring it).</summary>
    public override void Discard(ulong sector, ulong count) { }

    public override void Dispose()
    {
        _overlay.Dispose();
        _base.Dispose();
    }

    // The cluster of the byte at offset, where in it, and how much of length fits before its end.
    private (ulong Cluster, int Within, int Count) Split(ulong offset, int length)
    {
        ulong cluster = offset / ClusterSize;
        int within = (int)(offset % ClusterSize);
        return (cluster, within, Math.Min(length, ClusterBytes(cluster) - within));
    }

    // The last cluster is short when the disk is not a multiple of the cluster size.
    private int ClusterBytes(ulong cluster) => (int)Math.Min(ClusterSize, DiskBytes(Sectors) - cluster * ClusterSize);
}
