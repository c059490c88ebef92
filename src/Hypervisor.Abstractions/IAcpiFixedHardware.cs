namespace Hypervisor.Abstractions;

/// <summary>
/// A device that implements the ACPI fixed-hardware registers (PM1 event and control blocks, the PM
/// timer) says where the guest finds them, so the machine's ACPI tables (the FADT) point at them.
/// The machine builds its tables from the one device that implements this, if any.
/// </summary>
public interface IAcpiFixedHardware
{
    /// <summary>The port of PM1a_EVT_BLK (status, then enable; 4 bytes).</summary>
    ushort Pm1aEventBlock { get; }

    /// <summary>The port of PM1a_CNT_BLK (2 bytes).</summary>
    ushort Pm1aControlBlock { get; }

    /// <summary>The port of PM_TMR_BLK (4 bytes, a 24-bit counter at 3.579545 MHz).</summary>
    ushort PmTimerBlock { get; }

    /// <summary>The interrupt line of the SCI (the FADT's SCI_INT), or -1 when none is wired.</summary>
    int SciInterrupt { get; }

    /// <summary>The SLP_TYP value that enters S5 (soft off): the DSDT's \_S5 package carries it.</summary>
    int SoftOffSleepType { get; }
}
