namespace MiniVmm.Devices.Serial;

/// <summary>
/// The 16550A's programmer-visible state, apart from the live device (its wire, interrupt line and
/// clock): registers, FIFOs and the interrupt latches. Power-on values follow the datasheet.
/// </summary>
public sealed record UartState
{
    /// <summary>9600 baud from the PC's 1.8432 MHz clock, as a BIOS leaves COM ports.</summary>
    public const ushort DefaultDivisor = 12;

    public Ier InterruptEnable { get; set; }
    public Lcr LineControl { get; set; }
    public Mcr ModemControl { get; set; }

    /// <summary>The FCR bits that persist: FIFO enable, DMA mode and the receive trigger level.</summary>
    public Fcr FifoControl { get; set; }

    /// <summary>Latched line errors (OE, and PE/FE/BI of the character at the head) until LSR is read.</summary>
    public Lsr LineErrors { get; set; }

    /// <summary>MSR delta bits (3:0) latched until MSR is read.</summary>
    public Msr ModemStatusDeltas { get; set; }

    /// <summary>The modem input lines (MSR 7:4) last seen, to compute deltas.</summary>
    public Msr ModemLines { get; set; }

    public byte Scratch { get; set; }
    public ushort Divisor { get; set; } = DefaultDivisor;

    /// <summary>The THRE interrupt's latch: set when THR empties or the interrupt is enabled, cleared by an IIR read reporting it or a THR write.</summary>
    public bool TransmitterEmptyInterruptPending { get; set; }

    /// <summary>Clock time (ns) of the last character received or read, for the character timeout.</summary>
    public long LastReceiveActivityNanoseconds { get; set; }

    public CharacterFifo Receiver { get; } = new();
    public CharacterFifo Transmitter { get; } = new();

    public bool FifosEnabled => (FifoControl & Fcr.EnableFifos) != 0;
    public bool DivisorLatchAccess => (LineControl & Lcr.DivisorLatchAccess) != 0;
    public bool Loopback => (ModemControl & Mcr.Loopback) != 0;
}
