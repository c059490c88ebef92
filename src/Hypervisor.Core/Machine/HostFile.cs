using System.Runtime.InteropServices;

namespace Hypervisor.Core.Machine;

/// <summary>What a host path names, for messages that say why it cannot be an image.</summary>
internal enum HostFileKind
{
    Missing,
    Regular,
    Directory,
    CharacterDevice,
    BlockDevice,
    Pipe,
    Socket,
    Other,
}

/// <summary>
/// The kind of a host path, following symbolic links. .NET reports a device such as /dev/zero as
/// an existing file of length 0; statx(2) tells the file types apart (its layout is the same on
/// every Linux architecture).
/// </summary>
internal static partial class HostFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28; // struct statx: stx_mode (u16) after mask, blksize, attributes, nlink, uid, gid
    private const int TypeMask = 0xf000;

    public static HostFileKind KindOf(string path)
    {
        if (!File.Exists(path))
            return Directory.Exists(path) ? HostFileKind.Directory : HostFileKind.Missing;
        if (!OperatingSystem.IsLinux())
            return HostFileKind.Regular;
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
            return HostFileKind.Regular; // cannot tell: let the loader report what it finds
        int mode = BitConverter.ToUInt16(buffer[ModeOffset..]) & TypeMask;
        return mode switch
        {
            0x8000 => HostFileKind.Regular,
            0x4000 => HostFileKind.Directory,
            0x2000 => HostFileKind.CharacterDevice,
            0x6000 => HostFileKind.BlockDevice,
            0x1000 => HostFileKind.Pipe,
            0xc000 => HostFileKind.Socket,
            _ => HostFileKind.Other,
        };
    }

    public static string Describe(HostFileKind kind) => kind switch
    {
        HostFileKind.CharacterDevice => "character device",
        HostFileKind.BlockDevice => "block device",
        HostFileKind.Pipe => "named pipe",
        HostFileKind.Socket => "socket",
        HostFileKind.Directory => "folder",
        _ => "special file",
    };

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
