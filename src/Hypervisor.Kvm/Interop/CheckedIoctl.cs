using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary>Checked ioctl calls: failures become a <see cref="KvmException"/> that names the request.</summary>
internal static unsafe class CheckedIoctl
{
    /// <summary>ioctl with an integer argument; returns the (non-negative) result.</summary>
    public static int Call(FileDescriptorHandle fd, uint request, nuint argument, string name)
    {
        int result = LibC.Ioctl(fd.Fd, request, argument);
        if (result < 0)
            throw KvmException.FromErrno(name, Marshal.GetLastPInvokeError());
        GC.KeepAlive(fd);
        return result;
    }

    /// <summary>ioctl with a pointer argument; returns the (non-negative) result.</summary>
    public static int Call(FileDescriptorHandle fd, uint request, void* argument, string name)
    {
        int result = LibC.Ioctl(fd.Fd, request, argument);
        if (result < 0)
            throw KvmException.FromErrno(name, Marshal.GetLastPInvokeError());
        GC.KeepAlive(fd);
        return result;
    }
}
