namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// Where a <see cref="CowOverlay"/> keeps the clusters the guest wrote: in a sparse file
/// (<see cref="OverlayFile"/>) or in host memory (<see cref="MemoryOverlay"/>).
/// </summary>
public interface IOverlayClusters : IDisposable
{
    ulong AllocatedClusters { get; }

    bool IsAllocated(ulong cluster);

    /// <summary>Reads from an allocated cluster.</summary>
    void Read(ulong cluster, int offset, Span<byte> data);

    /// <summary>Writes into an allocated cluster.</summary>
    void Write(ulong cluster, int offset, ReadOnlySpan<byte> data);

    /// <summary>Stores a new cluster's whole contents and marks it allocated.</summary>
    void Allocate(ulong cluster, ReadOnlySpan<byte> contents);

    void Flush();
}

/// <summary>An overlay in host memory (<c>"overlay": "memory"</c>): the guest's writes last until minivmm exits.</summary>
public sealed class MemoryOverlay : IOverlayClusters
{
    private readonly Dictionary<ulong, byte[]> _clusters = [];

    public ulong AllocatedClusters => (ulong)_clusters.Count;

    public bool IsAllocated(ulong cluster) => _clusters.ContainsKey(cluster);

    public void Read(ulong cluster, int offset, Span<byte> data) => _clusters[cluster].AsSpan(offset, data.Length).CopyTo(data);

    public void Write(ulong cluster, int offset, ReadOnlySpan<byte> data) => data.CopyTo(_clusters[cluster].AsSpan(offset));

    public void Allocate(ulong cluster, ReadOnlySpan<byte> contents) => _clusters[cluster] = contents.ToArray();

    public void Flush() { }

    public void Dispose() => _clusters.Clear();
}
