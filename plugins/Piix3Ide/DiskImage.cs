using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// A raw disk image file as 512-byte sectors. Read-write, or read-only with the guest's writes kept
/// in memory for the life of the VM (QEMU's <c>snapshot=on</c>): the file is never changed then.
/// </summary>
public sealed class DiskImage : IDisposable
{
    public const int SectorSize = 512;

    private readonly FileStream _file;
    private readonly Dictionary<long, byte[]>? _overlay;
    private readonly object _lock = new();

    private DiskImage(FileStream file, bool readOnly)
    {
        _file = file;
        _overlay = readOnly ? new Dictionary<long, byte[]>() : null;
        Sectors = file.Length / SectorSize;
    }

    /// <summary>The image's size in sectors.</summary>
    public long Sectors { get; }

    /// <summary>Whether guest writes stay in memory.</summary>
    public bool ReadOnly => _overlay != null;

    /// <summary>
    /// Opens <paramref name="path"/>; a missing, unreadable, empty or ragged (not whole sectors) file
    /// is a <see cref="DeviceConfigurationException"/> naming <paramref name="option"/>.
    /// </summary>
    public static DiskImage Open(string path, bool readOnly, string option)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                readOnly ? FileShare.Read : FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message;
            throw new DeviceConfigurationException(option, $"'{path}': {why}{(readOnly ? "" : " (\"readonly\": true opens it read-only)")}");
        }
        if (file.Length == 0 || file.Length % SectorSize != 0)
        {
            long length = file.Length;
            file.Dispose();
            throw new DeviceConfigurationException(option, $"'{path}' is {length} bytes: a raw disk image is a non-zero whole number of {SectorSize}-byte sectors");
        }
        return new DiskImage(file, readOnly);
    }

    /// <summary>Reads sector <paramref name="lba"/> into <paramref name="sector"/> (512 bytes).</summary>
    public void Read(long lba, Span<byte> sector)
    {
        lock (_lock)
        {
            if (_overlay != null && _overlay.TryGetValue(lba, out var kept))
            {
                kept.CopyTo(sector);
                return;
            }
            _file.Position = lba * SectorSize;
            _file.ReadExactly(sector[..SectorSize]);
        }
    }

    /// <summary>Writes sector <paramref name="lba"/> from <paramref name="sector"/> (512 bytes).</summary>
    public void Write(long lba, ReadOnlySpan<byte> sector)
    {
        lock (_lock)
        {
            if (_overlay != null)
            {
                _overlay[lba] = sector[..SectorSize].ToArray();
                return;
            }
            _file.Position = lba * SectorSize;
            _file.Write(sector[..SectorSize]);
        }
    }

    /// <summary>Pushes written sectors to the file (FLUSH CACHE).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (_overlay == null)
                _file.Flush(flushToDisk: true);
        }
    }

    /// <summary>
    /// A read-only image's in-memory writes (sector, bytes), ascending; nothing for a writable image,
    /// whose writes are in its file (a snapshot holds no disk contents, as QEMU's savevm on raw images).
    /// </summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            var kept = _overlay?.OrderBy(p => p.Key).ToList() ?? [];
            writer.WriteInt32(kept.Count);
            foreach (var (lba, sector) in kept)
            {
                writer.WriteInt64(lba);
                writer.WriteBytes(sector);
            }
        }
    }

    /// <summary>Takes the in-memory writes <see cref="SaveState"/> wrote (for a read-only image).</summary>
    public void LoadState(IStateReader reader)
    {
        lock (_lock)
        {
            int count = reader.ReadInt32();
            if (count < 0 || (count > 0 && _overlay == null))
                throw new StateFormatException($"{count} sectors kept in memory, but this image is {(ReadOnly ? "read-only" : "writable")}");
            _overlay?.Clear();
            for (int i = 0; i < count; i++)
            {
                long lba = reader.ReadInt64();
                var sector = new byte[SectorSize];
                reader.ReadBytes(sector);
                if (lba < 0 || lba >= Sectors)
                    throw new StateFormatException($"kept sector {lba} is outside the image's {Sectors}");
                _overlay![lba] = sector;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
            _file.Dispose();
    }
}
