using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary>A Linux file descriptor (the /dev/kvm, VM or vCPU descriptor), closed exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw descriptor; valid while this handle is not disposed.</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => LibC.Close((int)handle) == 0;
}

/// <summary>An mmap'ed range (the vCPU's kvm_run pages), unmapped exactly once.</summary>
internal sealed unsafe class MappedRegionHandle : SafeHandle
{
    public MappedRegionHandle(void* address, int length)
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle((nint)address);
        Length = length;
    }

    public int Length { get; }

    public byte* Pointer => (byte*)handle;

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => LibC.Munmap((void*)handle, (nuint)Length) == 0;
}
