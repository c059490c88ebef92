namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// Offsets and bits of the ACPI fixed hardware in the PIIX4 power-management I/O block (ACPI 6.5
/// section 4.8; PIIX4 datasheet, "Power Management I/O Space"), as QEMU's piix4-pm lays it out.
/// </summary>
internal static class PmRegisters
{
    /// <summary>The I/O block's size: PIIX4 decodes 64 bytes at PMBA.</summary>
    public const int BlockSize = 0x40;

    /// <summary>PM1a_STS (16 bits, write 1 to clear).</summary>
    public const ushort Pm1Status = 0x00;
    /// <summary>PM1a_EN (16 bits).</summary>
    public const ushort Pm1Enable = 0x02;
    /// <summary>PM1a_CNT (16 bits).</summary>
    public const ushort Pm1Control = 0x04;
    /// <summary>PM_TMR (32 bits read-only, 24 of them counting).</summary>
    public const ushort PmTimer = 0x08;

    /// <summary>Lengths the FADT gives (PM1_EVT_LEN covers status + enable).</summary>
    public const int Pm1EventLength = 4, Pm1ControlLength = 2, PmTimerLength = 4;
}

/// <summary>PM1 status and enable bits (the same positions in both registers).</summary>
[Flags]
internal enum Pm1Events : ushort
{
    None = 0,
    /// <summary>TMR_STS: the PM timer's bit 23 changed.</summary>
    Timer = 1 << 0,
    /// <summary>GBL_STS: the BIOS released the global lock.</summary>
    Global = 1 << 5,
    /// <summary>PWRBTN_STS: the power button was pressed.</summary>
    PowerButton = 1 << 8,
    /// <summary>RTC_STS: the RTC alarm fired.</summary>
    Rtc = 1 << 10,
    /// <summary>WAK_STS: the system woke from a sleep state (status only).</summary>
    Wake = 1 << 15,

    /// <summary>The enable bits that exist.</summary>
    Enables = Timer | Global | PowerButton | Rtc,
}

/// <summary>PM1 control bits.</summary>
internal static class Pm1Control
{
    /// <summary>SCI_EN: power-management events raise the SCI (ACPI mode) rather than an SMI.</summary>
    public const ushort SciEnable = 1 << 0;
    /// <summary>SLP_TYP: the sleep type entered when SLP_EN is written.</summary>
    public const int SleepTypeShift = 10;
    public const ushort SleepTypeMask = 7 << SleepTypeShift;
    /// <summary>SLP_EN: write 1 to enter the SLP_TYP sleep state (reads as 0).</summary>
    public const ushort SleepEnable = 1 << 13;

    /// <summary>PIIX4's soft-off (S5) sleep type, as the DSDT's \_S5 package says.</summary>
    public const int SoftOffType = 0;
}
