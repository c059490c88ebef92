namespace Hypervisor.Abstractions;

/// <summary>
/// One interrupt message on the APIC bus: what an I/O APIC redirection entry, a local APIC's ICR or an
/// MSI sends to the local APICs (SDM Vol. 3, 11.6).
/// </summary>
/// <param name="Vector">The interrupt vector (ignored for NMI and INIT; the start page for start-up).</param>
/// <param name="DeliveryMode">How the destination takes it.</param>
/// <param name="Destination">An APIC ID (physical mode, 0xFF for all) or a logical destination set.</param>
/// <param name="LogicalDestination">True when <paramref name="Destination"/> is matched against each local APIC's LDR and DFR.</param>
/// <param name="LevelTriggered">True for a level-triggered interrupt: the destination's EOI is broadcast back to the I/O APICs.</param>
public readonly record struct ApicMessage(
    byte Vector,
    ApicDeliveryMode DeliveryMode,
    byte Destination,
    bool LogicalDestination = false,
    bool LevelTriggered = false);
