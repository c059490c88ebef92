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

    /// <summary>Real and 32-bit protected mode only; interrupt controllers are device plugins; firmware ROM with shadow RAM; local APICs.</summary>
    public AcceleratorFeatures Features => AcceleratorFeatures.Firmware | AcceleratorFeatures.Apic
        | AcceleratorFeatures.LongMode | AcceleratorFeatures.ProtectedModeKernels;

    public IVirtualMachine CreateVm(GuestMemory memory, VmOptions? options = null)
    {
        if (options?.KernelIrqchip == true)
            throw new NotSupportedException("the software CPU has no in-kernel irqchip; declare the i8259/i8254 plugins instead");
        return new SoftVm(memory, options?.Clock, options?.Firmware, options?.Apic);
    }

    public void Dispose()
    {
    }
}
