using System.Runtime.InteropServices;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// A raw disk image file: positional reads and writes, fsync, and hole punching for discards
/// (Linux fallocate; where that is refused, a discard does nothing, which the spec allows).
/// </summary>
public sealed partial class BlkImage : BlockStore
{
    private const int FallocKeepSize = 0x01;
    private const int FallocPunchHole = 0x02;
    private readonly FileStream _file;
    private readonly bool _readOnly;

    /// <param name="path">The image file.</param>
    /// <param name="readOnly">Open it for reading only (writes fail).</param>
    /// <param name="option">The option a failure to open names (<c>"image"</c>).</param>
    public BlkImage(string path, bool readOnly, string option = "image")
    {
        try
        {
            _file = new FileStream(path, FileMode.Open, readOnly ? FileAccess.Read : FileAccess.ReadWrite,
                FileShare.Read, bufferSize: 0, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException(option, $"'{path}' cannot be opened {(readOnly ? "for reading" : "for reading and writing")}: {e.Message}");
        }
        _readOnly = readOnly;
        Sectors = (ulong)_file.Length / BlkLayout.SectorSize;
    }

    public override bool ReadOnly => _readOnly;

    /// <summary>Whole 512-byte sectors in the image (a partial last sector is not offered).</summary>
    public override ulong Sectors { get; }

    public override void Read(ulong sector, Span<byte> data) => RandomAccess.Read(_file.SafeFileHandle, data, Offset(sector));

    public override void Write(ulong sector, ReadOnlySpan<byte> data) => RandomAccess.Write(_file.SafeFileHandle, data, Offset(sector));

    public override void Flush() => _file.Flush(flushToDisk: true);

    public override void Discard(ulong sector, ulong count)
    {
        if (OperatingSystem.IsLinux())
            _ = Fallocate(_file.SafeFileHandle.DangerousGetHandle().ToInt32(), FallocPunchHole | FallocKeepSize, Offset(sector), (long)count * BlkLayout.SectorSize);
    }

    public override void Dispose() => _file.Dispose();

    private static long Offset(ulong sector) => (long)(sector * BlkLayout.SectorSize);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);
}
