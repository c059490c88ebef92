namespace Hypervisor.Abstractions;

/// <summary>
/// A device a directly booted kernel can only find through its command line (a virtio-mmio device
/// without a device tree): the Linux boot loader appends <see cref="KernelArguments"/> of every such
/// device to the machine file's <c>cmdline</c>, as Firecracker does.
/// </summary>
public interface IKernelCommandLine
{
    /// <summary>The arguments to append (e.g. <c>virtio_mmio.device=4K@0xd0000000:5</c>), or empty.</summary>
    string KernelArguments { get; }
}
