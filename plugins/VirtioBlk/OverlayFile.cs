using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// A copy-on-write overlay in a sparse host file (<c>"overlay": "path"</c>), kept across runs:
/// a 4 KiB header, the cluster bitmap (one bit per cluster, from offset 4096), then each
/// cluster at <c>dataOffset + cluster * ClusterSize</c>, so unwritten clusters are holes.
/// A new cluster's data is written before its bitmap bit; FLUSH fsyncs both.
/// </summary>
public sealed class OverlayFile : IOverlayClusters
{
    /// <summary>"MVMCOW1" and a NUL: what a minivmm overlay starts with.</summary>
    public static ReadOnlySpan<byte> Magic => "MVMCOW1\0"u8;

    public const int HeaderSize = 4096;
    // Header fields: magic (8), cluster size (4), reserved (4), disk bytes (8), data offset (8).
    private const int ClusterSizeAt = 8;
    private const int DiskBytesAt = 16;
    private const int DataOffsetAt = 24;

    private readonly FileStream _file;
    private readonly byte[] _bitmap;
    private readonly long _dataOffset;

    /// <summary>Opens the overlay at <paramref name="path"/> for a disk of <paramref name="sectors"/>, creating it when it is absent or empty.</summary>
    public OverlayFile(string path, ulong sectors)
    {
        ulong diskBytes = CowOverlay.DiskBytes(sectors);
        _bitmap = new byte[(CowOverlay.ClusterCount(sectors) + 7) / 8];
        _dataOffset = HeaderSize + RoundUp(_bitmap.Length, 4096);
        try
        {
            _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException("overlay", $"'{path}' cannot be opened for reading and writing: {e.Message}");
        }
        try
        {
            if (_file.Length == 0)
                Create(diskBytes);
            else
                Open(path, diskBytes);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
        AllocatedClusters = (ulong)_bitmap.Sum(b => System.Numerics.BitOperations.PopCount(b));
    }

    public ulong AllocatedClusters { get; private set; }

    public bool IsAllocated(ulong cluster) => (_bitmap[cluster / 8] & (1 << (int)(cluster % 8))) != 0;

    public void Read(ulong cluster, int offset, Span<byte> data) => RandomAccess.Read(_file.SafeFileHandle, data, At(cluster, offset));

    public void Write(ulong cluster, int offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_file.SafeFileHandle, data, At(cluster, offset));

    public void Allocate(ulong cluster, ReadOnlySpan<byte> contents)
    {
        Write(cluster, 0, contents);
        int index = (int)(cluster / 8);
        _bitmap[index] |= (byte)(1 << (int)(cluster % 8));
        RandomAccess.Write(_file.SafeFileHandle, _bitmap.AsSpan(index, 1), HeaderSize + index);
        AllocatedClusters++;
    }

    public void Flush() => _file.Flush(flushToDisk: true);

    public void Dispose() => _file.Dispose();

    private long At(ulong cluster, int offset) => _dataOffset + (long)cluster * CowOverlay.ClusterSize + offset;

    private static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;

    private void Create(ulong diskBytes)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(ClusterSizeAt), CowOverlay.ClusterSize);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(DiskBytesAt), diskBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(DataOffsetAt), (ulong)_dataOffset);
        RandomAccess.Write(_file.SafeFileHandle, header, 0);
        RandomAccess.Write(_file.SafeFileHandle, _bitmap, HeaderSize);
        _file.Flush(flushToDisk: true);
    }

    private void Open(string path, ulong diskBytes)
    {
        var header = new byte[HeaderSize];
        int got = RandomAccess.Read(_file.SafeFileHandle, header, 0);
        if (got < HeaderSize || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new DeviceConfigurationException("overlay", $"'{path}' is not a minivmm overlay (it does not start with \"{Encoding.ASCII.GetString(Magic[..7])}\"); give a new or empty file");
        uint clusterSize = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(ClusterSizeAt));
        ulong savedBytes = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(DiskBytesAt));
        ulong dataOffset = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(DataOffsetAt));
        if (clusterSize != CowOverlay.ClusterSize || dataOffset != (ulong)_dataOffset)
            throw new DeviceConfigurationException("overlay", $"'{path}' has clusters of {clusterSize} bytes, data at {dataOffset}; this build reads {CowOverlay.ClusterSize}, {_dataOffset}");
        if (savedBytes != diskBytes)
            throw new DeviceConfigurationException("overlay", $"'{path}' was made for a base of {savedBytes} bytes; the image has {diskBytes}");
        if (RandomAccess.Read(_file.SafeFileHandle, _bitmap, HeaderSize) != _bitmap.Length)
            throw new DeviceConfigurationException("overlay", $"'{path}' is cut short inside its cluster bitmap");
    }
}
