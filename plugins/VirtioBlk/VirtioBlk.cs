using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;
using Serilog;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// The virtio-blk device (virtio 1.2, section 5.2) on a <see cref="BlockStore"/> (a raw image or a
/// copy-on-write overlay): one request queue; reads, writes, FLUSH (fsync), GET_ID (the serial),
/// DISCARD and WRITE_ZEROES; a read-only disk offers VIRTIO_BLK_F_RO and fails writes with IOERR.
/// With an I/O thread (the default) the vCPU's notification only queues the request; without one
/// the I/O runs on the notifying vCPU, so a deterministic-clock run repeats exactly.
/// </summary>
public sealed class VirtioBlk : IVirtioDevice, IDisposable
{
    /// <summary>Descriptors per queue; Linux's requests use at most SegMax of them for data.</summary>
    public const ushort QueueSize = 256;

    /// <summary>Bytes moved between the image and guest memory per step (a multiple of the sector size).</summary>
    public const int ChunkSize = 64 * 1024;

    private readonly BlockStore _image;
    private readonly BlkIoThread? _io;
    private readonly byte[] _config;
    private readonly byte[] _id;
    private readonly ILogger _logger;

    public VirtioBlk(BlockStore image, string serial, ILogger logger, bool ioThread = true)
    {
        _image = image;
        _logger = logger;
        _io = ioThread ? new BlkIoThread($"virtio-blk {serial}", logger) : null;
        _config = BlkConfig.Build(image.Sectors, QueueSize - 2);
        _id = new byte[BlkLayout.IdSize];
        Encoding.ASCII.GetBytes(serial.AsSpan(0, Math.Min(serial.Length, BlkLayout.IdSize)), _id);
    }

    public ushort DeviceType => VirtioDeviceType.Block;

    public ulong Features => BlkFeature.SegMax | BlkFeature.BlockSize | BlkFeature.Flush
        | (_image.ReadOnly ? BlkFeature.ReadOnly : BlkFeature.Discard | BlkFeature.WriteZeroes);

    public IReadOnlyList<ushort> QueueSizes { get; } = [QueueSize];

    public int ConfigSize => BlkConfig.Size;

    public void ReadConfig(int offset, Span<byte> data) => _config.AsSpan(offset, data.Length).CopyTo(data);

    /// <summary>The disk the device serves.</summary>
    public BlockStore Disk => _image;

    public void Request(int queue, VirtioRequest request)
    {
        if (_io != null)
            _io.Post(() => Serve(request));
        else
            Serve(request);
    }

    /// <summary>Returns when every request handed in so far has completed.</summary>
    public void Quiesce() => _io?.WaitIdle();

    /// <summary>The driver reset the device: requests not yet started are dropped, the running one finishes.</summary>
    public void Reset() => _io?.DropPending();

    private void Serve(VirtioRequest request)
    {
        if (request.ReadableLength < BlkLayout.HeaderSize || request.WritableLength < 1)
        {
            _logger.Warning("Request {Head}: no header or no status byte ({Readable} readable, {Writable} writable bytes); dropped",
                request.Head, request.ReadableLength, request.WritableLength);
            request.Complete(0);
            return;
        }
        Span<byte> header = stackalloc byte[BlkLayout.HeaderSize];
        request.Read(0, header);
        uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
        ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        long statusAt = request.WritableLength - 1;
        long written = 0;
        byte status;
        try
        {
            status = type switch
            {
                BlkRequestType.In => ReadSectors(request, sector, statusAt, out written),
                BlkRequestType.Out => WriteSectors(request, sector),
                BlkRequestType.Flush => Flush(),
                BlkRequestType.GetId => GetId(request, statusAt, out written),
                BlkRequestType.Discard or BlkRequestType.WriteZeroes when !_image.ReadOnly => Segments(request, type),
                _ => BlkStatus.Unsupported,
            };
        }
        catch (IOException e)
        {
            _logger.Warning("Request {Head} (type {Type}, sector {Sector}): {Error}", request.Head, type, sector, e.Message);
            status = BlkStatus.IoError;
        }
        request.Write(statusAt, [status]);
        request.Complete(written + 1);
    }

    public void Dispose()
    {
        _io?.Dispose();
        _image.Dispose();
    }

    // Data moves a chunk at a time, so a request's size (up to 1024 buffers of guest RAM) never
    // becomes one host allocation.
    private byte ReadSectors(VirtioRequest request, ulong sector, long length, out long written)
    {
        written = 0;
        if (length % BlkLayout.SectorSize != 0 || !_image.Contains(sector, (ulong)length / BlkLayout.SectorSize))
            return BlkStatus.IoError;
        var chunk = new byte[Math.Min(length, ChunkSize)];
        for (long done = 0; done < length; done += chunk.Length)
        {
            var part = chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - done));
            _image.Read(sector + (ulong)done / BlkLayout.SectorSize, part);
            written += request.Write(done, part);
        }
        return BlkStatus.Ok;
    }

    private byte WriteSectors(VirtioRequest request, ulong sector)
    {
        long length = request.ReadableLength - BlkLayout.HeaderSize;
        if (_image.ReadOnly || length % BlkLayout.SectorSize != 0 || !_image.Contains(sector, (ulong)length / BlkLayout.SectorSize))
            return BlkStatus.IoError;
        var chunk = new byte[Math.Min(length, ChunkSize)];
        for (long done = 0; done < length; done += chunk.Length)
        {
            var part = chunk.AsSpan(0, (int)Math.Min(chunk.Length, length - done));
            request.Read(BlkLayout.HeaderSize + done, part);
            _image.Write(sector + (ulong)done / BlkLayout.SectorSize, part);
        }
        return BlkStatus.Ok;
    }

    private byte Flush()
    {
        if (!_image.ReadOnly)
            _image.Flush();
        return BlkStatus.Ok;
    }

    private byte GetId(VirtioRequest request, long room, out long written)
    {
        written = request.Write(0, _id.AsSpan(0, (int)Math.Min(room, BlkLayout.IdSize)));
        return BlkStatus.Ok;
    }

    // DISCARD and WRITE_ZEROES carry segments {sector, num_sectors, flags} after the header.
    private byte Segments(VirtioRequest request, uint type)
    {
        long bytes = request.ReadableLength - BlkLayout.HeaderSize;
        if (bytes == 0 || bytes % BlkLayout.SegmentSize != 0)
            return BlkStatus.IoError;
        Span<byte> segment = stackalloc byte[BlkLayout.SegmentSize];
        for (long at = BlkLayout.HeaderSize; at < request.ReadableLength; at += BlkLayout.SegmentSize)
        {
            request.Read(at, segment);
            ulong sector = BinaryPrimitives.ReadUInt64LittleEndian(segment);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(segment[8..]);
            if (count > BlkConfig.MaxSectorsPerSegment || !_image.Contains(sector, count))
                return BlkStatus.IoError;
            if (type == BlkRequestType.Discard)
                _image.Discard(sector, count);
            else
                _image.WriteZeroes(sector, count);
        }
        return BlkStatus.Ok;
    }
}
