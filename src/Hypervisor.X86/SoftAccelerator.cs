using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.X86;

/// <summary>
/// The software x86 accelerator ("soft"): an emulated i486/Pentium-class CPU that returns the same
/// exits as a KVM vCPU, for machines without /dev/kvm.
/// </summary>
public sealed class SoftAccelerator : IAccelerator
{
    public string Name => "soft";

    public IVirtualMachine CreateVm(GuestMemory memory) => new SoftVm(memory);

    public void Dispose()
    {
    }
}
