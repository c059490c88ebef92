namespace MiniVmm.Devices.Serial;

/// <summary>How long a character takes on the wire, for the receiver's character timeout.</summary>
public static class CharacterTiming
{
    /// <summary>The PC's UART input clock: 1.8432 MHz, 16 clocks per bit.</summary>
    public const long InputClockHz = 1_843_200;

    /// <summary>One character's time in nanoseconds: start bit, data bits, parity, stop bits at the divisor's baud rate.</summary>
    public static long Nanoseconds(Lcr lcr, ushort divisor)
    {
        int dataBits = 5 + (int)(lcr & Lcr.WordLengthMask);
        // Counted in half bits: 5-bit words with "two" stop bits use 1.5.
        int halfBits = 2 * (1 + dataBits + ((lcr & Lcr.ParityEnable) != 0 ? 1 : 0));
        halfBits += (lcr & Lcr.TwoStopBits) == 0 ? 2 : dataBits == 5 ? 3 : 4;
        long effectiveDivisor = divisor == 0 ? 0x10000 : divisor;
        return halfBits * effectiveDivisor * 16 * 1_000_000_000L / (2 * InputClockHz);
    }
}
