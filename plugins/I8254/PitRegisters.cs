namespace MiniVmm.Devices.Pit;

/// <summary>The 8254's ports relative to its base (0x40 on a PC) (Intel 8254 datasheet, table 1).</summary>
public static class PitPort
{
    /// <summary>Counter 0, 1, 2 data ports are offsets 0-2.</summary>
    public const int Counter0 = 0;
    public const int Counter1 = 1;
    public const int Counter2 = 2;

    /// <summary>The control word register (write only).</summary>
    public const int Control = 3;

    public const int Count = 4;
}

/// <summary>The control word (written to port 3).</summary>
public static class ControlWord
{
    /// <summary>Bits 7:6 select the counter; 11 is the read-back command.</summary>
    public const int SelectShift = 6;
    public const int ReadBackSelect = 3;

    /// <summary>Bits 5:4: 00 counter latch command, 01 LSB only, 10 MSB only, 11 LSB then MSB.</summary>
    public const int AccessShift = 4;
    public const int AccessMask = 0x30;

    /// <summary>Bits 3:1: the mode (x10 is mode 2, x11 mode 3).</summary>
    public const int ModeShift = 1;
    public const int ModeMask = 0x0e;

    /// <summary>Bit 0: count in BCD (4 decades) instead of binary.</summary>
    public const byte Bcd = 0x01;
}

/// <summary>How a counter's data port is read and written (control word bits 5:4).</summary>
public enum PitAccess
{
    Latch = 0,
    LowByte = 1,
    HighByte = 2,
    LowThenHigh = 3,
}

/// <summary>The read-back command (control word with bits 7:6 = 11).</summary>
public static class ReadBack
{
    /// <summary>Bit 5 (active low): latch the count of the selected counters.</summary>
    public const byte NotCount = 0x20;

    /// <summary>Bit 4 (active low): latch the status of the selected counters.</summary>
    public const byte NotStatus = 0x10;

    /// <summary>Bit 1 selects counter 0, bit 2 counter 1, bit 3 counter 2.</summary>
    public const int CounterSelectShift = 1;
}

/// <summary>The status byte a read-back command latches.</summary>
public static class PitStatus
{
    /// <summary>The OUT pin.</summary>
    public const byte Output = 0x80;

    /// <summary>The last count written has not yet been loaded into the counting element.</summary>
    public const byte NullCount = 0x40;
}

/// <summary>The PC's PIT wiring.</summary>
public static class PcPitWiring
{
    /// <summary>The 8254's CLK input on a PC: 14.31818 MHz / 12.</summary>
    public const long InputHz = 1_193_182;

    public const int Channels = 3;

    /// <summary>Channel 0's OUT drives IRQ 0; channel 2's OUT and GATE are on port 0x61.</summary>
    public const int SpeakerChannel = 2;
}
