namespace Hypervisor.Kvm;

/// <summary>What a KVM VM gets besides memory and vCPUs.</summary>
public sealed record KvmVmOptions
{
    /// <summary>No in-kernel irqchip: HLT and every port reach the VMM (what the seed guests expect).</summary>
    public static readonly KvmVmOptions Default = new();

    /// <summary>
    /// KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and local APIC. Device lines then go through
    /// <see cref="KvmVm.SetIrqLine"/>; HLT no longer exits (the kernel waits for an interrupt).
    /// </summary>
    public bool CreateIrqchip { get; init; }

    /// <summary>KVM_CREATE_PIT2: the in-kernel i8254 (needs <see cref="CreateIrqchip"/>).</summary>
    public bool CreatePit { get; init; }

    /// <summary>
    /// Guest physical address of the three pages KVM_SET_TSS_ADDR reserves (Intel hosts run real mode
    /// through them), or null to let <see cref="KvmSystemPages.Place"/> choose (QEMU's 0xfffbd000 when free).
    /// </summary>
    public ulong? TssAddress { get; init; }

    /// <summary>Guest physical address of the identity-map page (KVM_SET_IDENTITY_MAP_ADDR), or null to let <see cref="KvmSystemPages.Place"/> choose.</summary>
    public ulong? IdentityMapAddress { get; init; }
}
