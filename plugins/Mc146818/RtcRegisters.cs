namespace MiniVmm.Devices.Rtc;

/// <summary>The two ports: the index (with the NMI mask in bit 7) and the data of the indexed register.</summary>
public static class RtcPort
{
    public const int Index = 0;
    public const int Data = 1;
    public const int Count = 2;

    /// <summary>Index port bit 7: NMI disabled (a PC chipset function wired to the RTC's index port).</summary>
    public const byte NmiDisable = 0x80;

    public const byte IndexMask = 0x7f;
}

/// <summary>Register addresses (MC146818A datasheet, figure "Address map"; IBM AT CMOS layout).</summary>
public static class RtcRegister
{
    public const int Seconds = 0x00;
    public const int SecondsAlarm = 0x01;
    public const int Minutes = 0x02;
    public const int MinutesAlarm = 0x03;
    public const int Hours = 0x04;
    public const int HoursAlarm = 0x05;
    public const int DayOfWeek = 0x06;
    public const int DayOfMonth = 0x07;
    public const int Month = 0x08;
    public const int Year = 0x09;
    public const int A = 0x0a;
    public const int B = 0x0b;
    public const int C = 0x0c;
    public const int D = 0x0d;

    /// <summary>Bytes of clock and CMOS RAM.</summary>
    public const int Count = 128;
}

/// <summary>Conventional CMOS fields (IBM PC/AT, as SeaBIOS and QEMU use them).</summary>
public static class CmosField
{
    public const int BaseMemoryLow = 0x15;
    public const int BaseMemoryHigh = 0x16;
    public const int ExtendedMemoryLow = 0x17;
    public const int ExtendedMemoryHigh = 0x18;
    public const int ChecksumHigh = 0x2e;
    public const int ChecksumLow = 0x2f;
    public const int ExtendedMemoryPostLow = 0x30;
    public const int ExtendedMemoryPostHigh = 0x31;
    public const int Century = 0x32;
    public const int MemoryAbove16MiBLow = 0x34;
    public const int MemoryAbove16MiBHigh = 0x35;

    /// <summary>The AT checksum covers 0x10-0x2d.</summary>
    public const int ChecksumFirst = 0x10;
    public const int ChecksumLast = 0x2d;
}

/// <summary>Register A.</summary>
public static class RegisterA
{
    /// <summary>Update in progress: set 244 µs before each update (read only).</summary>
    public const byte UpdateInProgress = 0x80;

    /// <summary>DV2-DV0: 010 is the 32.768 kHz time base; 11x holds the divider in reset.</summary>
    public const byte DividerMask = 0x70;
    public const byte Divider32Khz = 0x20;
    public const byte DividerResetMask = 0x60;

    /// <summary>RS3-RS0: the periodic interrupt rate.</summary>
    public const byte RateMask = 0x0f;

    /// <summary>The BIOS's value: 32.768 kHz, 1024 Hz periodic rate.</summary>
    public const byte PowerOn = 0x26;
}

/// <summary>Register B.</summary>
public static class RegisterB
{
    /// <summary>Inhibits updates so software can set the time.</summary>
    public const byte Set = 0x80;
    public const byte PeriodicInterruptEnable = 0x40;
    public const byte AlarmInterruptEnable = 0x20;
    public const byte UpdateEndedInterruptEnable = 0x10;
    public const byte SquareWaveEnable = 0x08;

    /// <summary>DM: binary (1) or BCD (0) time and date.</summary>
    public const byte Binary = 0x04;

    /// <summary>24/12: 24-hour (1) or 12-hour (0) with bit 7 of the hour meaning PM.</summary>
    public const byte Hour24 = 0x02;
    public const byte DaylightSavings = 0x01;

    /// <summary>The bits the RESET pin clears.</summary>
    public const byte ClearedByReset = PeriodicInterruptEnable | AlarmInterruptEnable | UpdateEndedInterruptEnable | SquareWaveEnable;

    public const byte PowerOn = Hour24;
}

/// <summary>Register C: interrupt flags, all cleared by reading it.</summary>
public static class RegisterC
{
    public const byte InterruptRequest = 0x80;
    public const byte Periodic = 0x40;
    public const byte Alarm = 0x20;
    public const byte UpdateEnded = 0x10;
}

/// <summary>Register D.</summary>
public static class RegisterD
{
    /// <summary>Valid RAM and time: the battery is good.</summary>
    public const byte ValidRamAndTime = 0x80;
}

/// <summary>Hour register bit 7 in 12-hour mode.</summary>
public static class HourFormat
{
    public const byte Pm = 0x80;

    /// <summary>Alarm bytes with both top bits set match any value ("don't care").</summary>
    public const byte AlarmDontCare = 0xc0;
}
