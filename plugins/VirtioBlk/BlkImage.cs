using System.Runtime.InteropServices;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// A raw disk image file: positional reads and writes, fsync, and hole punching for discards
/// (Linux fallocate; where that is refused, a discard does nothing, which the spec allows).
/// </summary>
public sealed partial class BlkImage : IDisposable
{
    private const int FallocKeepSize = 0x01;
    private const int FallocPunchHole = 0x02;
    private readonly FileStream _file;

    public BlkImage(string path, bool readOnly)
    {
        try
        {
            _file = new FileStream(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException("image", $"'{path}' cannot be opened {(readOnly ? "for reading" : "for reading and writing")}: {e.Message}");
        }
        ReadOnly = readOnly;
        Sectors = (ulong)_file.Length / BlkLayout.SectorSize;
    }

    public bool ReadOnly { get; }

    /// <summary>Whole 512-byte sectors in the image (a partial last sector is not offered).</summary>
    public ulong Sectors { get; }

    /// <summary>True when [sector, sector + count) lies inside the image.</summary>
    public bool Contains(ulong sector, ulong count) => sector <= Sectors && count <= Sectors - sector;

    public void Read(ulong sector, Span<byte> data) => RandomAccess.Read(_file.SafeFileHandle, data, Offset(sector));

    public void Write(ulong sector, ReadOnlySpan<byte> data) => RandomAccess.Write(_file.SafeFileHandle, data, Offset(sector));

    /// <summary>fsync: what the guest wrote is on the host's disk.</summary>
    public void Flush() => _file.Flush(flushToDisk: true);

    /// <summary>Writes zeros over <paramref name="count"/> sectors, a chunk at a time.</summary>
    public void WriteZeroes(ulong sector, ulong count)
    {
        Span<byte> zeros = new byte[64 * 1024];
        ulong perChunk = (ulong)zeros.Length / BlkLayout.SectorSize;
        for (ulong done = 0; done < count; done += perChunk)
        {
            ulong n = Math.Min(perChunk, count - done);
            Write(sector + done, zeros[..(int)(n * BlkLayout.SectorSize)]);
        }
    }

    /// <summary>Gives the sectors' space back to the host file system when it can.</summary>
    public void Discard(ulong sector, ulong count)
    {
        if (OperatingSystem.IsLinux())
            _ = Fallocate(_file.SafeFileHandle.DangerousGetHandle().ToInt32(), FallocPunchHole | FallocKeepSize, Offset(sector), (long)count * BlkLayout.SectorSize);
    }

    public void Dispose() => _file.Dispose();

    private static long Offset(ulong sector) => (long)(sector * BlkLayout.SectorSize);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);
}
