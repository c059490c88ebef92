namespace Hypervisor.Core.Boot;

/// <summary>
/// The APICs a directly booted guest must be told about (the ACPI MADT): one local APIC per vCPU
/// (APIC ID = vCPU index) and the machine's I/O APICs.
/// </summary>
/// <param name="ProcessorCount">vCPUs, each with a local APIC.</param>
/// <param name="IoApics">Every I/O APIC: ID, MMIO address, first GSI, and ISA IRQs wired elsewhere.</param>
public sealed record ApicPlatform(int ProcessorCount, IReadOnlyList<IoApicPlacement> IoApics)
{
    /// <summary>Where every local APIC's registers are after reset.</summary>
    public const uint LocalApicAddress = 0xFEE00000;
}

/// <summary>One I/O APIC as the MADT lists it.</summary>
public sealed record IoApicPlacement(byte Id, uint Address, uint GsiBase, IReadOnlyDictionary<int, int> IsaOverrides);
