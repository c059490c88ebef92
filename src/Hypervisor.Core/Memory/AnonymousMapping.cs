using System.Runtime.InteropServices;

namespace Hypervisor.Core.Memory;

/// <summary>
/// Private anonymous memory from mmap(2) with MAP_NORESERVE, as QEMU and kvmtool back guest RAM:
/// the kernel hands out zeroed pages on first touch, so a large slot costs address space, not RAM,
/// until the guest uses it.
/// </summary>
internal static unsafe partial class AnonymousMapping
{
    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private static readonly nint MapFailed = -1;

    /// <summary>Maps <paramref name="size"/> zeroed, page-aligned bytes for the slot at <paramref name="guestAddress"/>; throws <see cref="HostMemoryException"/> when the kernel refuses.</summary>
    public static byte* Map(ulong guestAddress, ulong size)
    {
        nint address = Mmap(0, (nuint)size, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        if (address == MapFailed)
            throw new HostMemoryException(guestAddress, size, Marshal.GetLastPInvokeError());
        return (byte*)address;
    }

    public static void Unmap(byte* address, ulong size) => Munmap((nint)address, (nuint)size);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
