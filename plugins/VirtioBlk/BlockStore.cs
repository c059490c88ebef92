namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// What virtio-blk reads and writes: a number of 512-byte sectors, either a raw image
/// (<see cref="BlkImage"/>) or a copy-on-write overlay over a read-only one (<see cref="CowOverlay"/>).
/// Used by one thread at a time (the device's I/O thread).
/// </summary>
public abstract class BlockStore : IDisposable
{
    /// <summary>Writes fail (VIRTIO_BLK_F_RO is offered).</summary>
    public abstract bool ReadOnly { get; }

    /// <summary>Whole 512-byte sectors the guest sees.</summary>
    public abstract ulong Sectors { get; }

    /// <summary>True when [sector, sector + count) lies inside the disk.</summary>
    public bool Contains(ulong sector, ulong count) => sector <= Sectors && count <= Sectors - sector;

    public abstract void Read(ulong sector, Span<byte> data);

    public abstract void Write(ulong sector, ReadOnlySpan<byte> data);

    /// <summary>fsync: what the guest wrote is on the host's disk.</summary>
    public abstract void Flush();

    /// <summary>Gives the sectors' space back when the store can; doing nothing is allowed (virtio 1.2, 5.2.6.2).</summary>
    public abstract void Discard(ulong sector, ulong count);

    /// <summary>Writes zeros over <paramref name="count"/> sectors, a chunk at a time.</summary>
    public virtual void WriteZeroes(ulong sector, ulong count)
    {
        Span<byte> zeros = new byte[64 * 1024];
        ulong perChunk = (ulong)zeros.Length / BlkLayout.SectorSize;
        for (ulong done = 0; done < count; done += perChunk)
        {
            ulong n = Math.Min(perChunk, count - done);
            Write(sector + done, zeros[..(int)(n * BlkLayout.SectorSize)]);
        }
    }

    public abstract void Dispose();
}
