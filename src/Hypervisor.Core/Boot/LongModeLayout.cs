namespace Hypervisor.Core.Boot;

/// <summary>Where <see cref="EntryStates.LongMode"/> puts the GDT, IDT and identity page tables in guest RAM.</summary>
/// <param name="GdtAddress">Five 8-byte descriptors (Firecracker and kvmtool use 0x500).</param>
/// <param name="IdtAddress">An empty IDT (the kernel installs its own).</param>
/// <param name="PageTablesAddress">PML4, then the PDPT, then one page directory per GiB mapped; 4 KiB aligned.</param>
/// <param name="IdentityMappedBytes">How much of the physical address space is identity-mapped with 2 MiB pages (whole GiB, at most 512 GiB).</param>
public sealed record LongModeLayout(
    ulong GdtAddress = 0x500,
    ulong IdtAddress = 0x528,
    ulong PageTablesAddress = 0x9000,
    ulong IdentityMappedBytes = 4ul << 30)
{
    public static readonly LongModeLayout Default = new();
}
