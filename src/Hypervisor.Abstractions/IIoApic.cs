namespace Hypervisor.Abstractions;

/// <summary>
/// An I/O APIC: besides taking the machine's lines, it tells the VMM what the firmware tables a
/// direct boot writes (the ACPI MADT) must say about it. Its address is its entry's MMIO base.
/// </summary>
public interface IIoApic : IInterruptLineSink
{
    /// <summary>The I/O APIC ID the guest finds in its ID register after reset.</summary>
    byte IoApicId { get; }

    /// <summary>The global system interrupt of its pin 0.</summary>
    uint GsiBase => 0;

    /// <summary>ISA IRQs wired to another pin than their number (IRQ 0 → pin 2 on a PC), for the MADT's interrupt source overrides.</summary>
    IReadOnlyDictionary<int, int> IsaOverrides { get; }
}
