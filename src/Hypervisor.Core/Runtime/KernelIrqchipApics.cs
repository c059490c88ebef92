using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The APICs of <c>"irqchip": "kernel"</c> (KVM_CREATE_IRQCHIP) as a direct boot's MADT lists them:
/// a local APIC per vCPU (APIC ID = vCPU id, which KvmCpuid also writes into CPUID) and KVM's I/O
/// APIC at 0xFEC00000 with ID 0 and GSIs 0-23. KVM's default routing takes GSI n to pin n (the
/// in-kernel PIT raises GSI 0 on pin 0), so, unlike QEMU, which re-routes GSI 0 to pin 2, there is
/// no interrupt source override for IRQ 0. Firecracker and kvmtool describe the same set.
/// </summary>
internal static class KernelIrqchipApics
{
    /// <summary>Where KVM's in-kernel I/O APIC answers (its default base).</summary>
    public const uint IoApicAddress = 0xFEC00000;

    public static ApicPlatform Describe(int vcpus) =>
        new(vcpus, [new IoApicPlacement(Id: 0, IoApicAddress, GsiBase: 0, IsaOverrides: new Dictionary<int, int>())]);
}
