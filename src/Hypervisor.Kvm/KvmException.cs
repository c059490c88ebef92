using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>A KVM ioctl failed; the message names the request and the kernel's error.</summary>
public sealed class KvmException : Exception
{
    public KvmException(string message, int errno = 0)
        : base(message)
    {
        Errno = errno;
    }

    /// <summary>The errno the kernel returned, or 0.</summary>
    public int Errno { get; }

    internal static KvmException FromErrno(string request, int errno) =>
        new($"{request} failed: {LibC.Describe(errno)}", errno);
}
