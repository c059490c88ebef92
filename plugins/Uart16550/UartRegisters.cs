namespace MiniVmm.Devices.Serial;

/// <summary>Register offsets of the 16550A, relative to its base port (PC16550D datasheet, table II).</summary>
public static class UartRegister
{
    /// <summary>RBR (read) / THR (write); the divisor latch's low byte (DLL) while LCR.DLAB is set.</summary>
    public const int Data = 0;

    /// <summary>IER; the divisor latch's high byte (DLM) while LCR.DLAB is set.</summary>
    public const int InterruptEnable = 1;

    /// <summary>IIR (read) / FCR (write).</summary>
    public const int InterruptIdentification = 2;

    /// <summary>FCR shares offset 2 with IIR (write only).</summary>
    public const int FifoControl = 2;

    /// <summary>LCR.</summary>
    public const int LineControl = 3;

    /// <summary>MCR.</summary>
    public const int ModemControl = 4;

    /// <summary>LSR.</summary>
    public const int LineStatus = 5;

    /// <summary>MSR.</summary>
    public const int ModemStatus = 6;

    /// <summary>SCR: a byte of storage with no effect on the UART.</summary>
    public const int Scratch = 7;

    /// <summary>Ports a 16550 occupies.</summary>
    public const int Count = 8;
}

/// <summary>IER: which conditions may interrupt. Bits 7:4 always read 0 on a 16550A.</summary>
[Flags]
public enum Ier : byte
{
    None = 0,
    ReceivedDataAvailable = 0x01,
    TransmitterHoldingRegisterEmpty = 0x02,
    ReceiverLineStatus = 0x04,
    ModemStatus = 0x08,
    All = 0x0f,
}

/// <summary>IIR bits 3:0: the highest-priority pending interrupt.</summary>
public enum InterruptId : byte
{
    ModemStatus = 0x00,
    None = 0x01,
    TransmitterHoldingRegisterEmpty = 0x02,
    ReceivedDataAvailable = 0x04,
    ReceiverLineStatus = 0x06,
    CharacterTimeout = 0x0c,
}

/// <summary>IIR constants beyond the interrupt identification.</summary>
public static class Iir
{
    /// <summary>Bits 7:6 read 11 while the FIFOs are enabled (a 16550 without the A reads 10).</summary>
    public const byte FifosEnabled = 0xc0;
}

/// <summary>FCR: FIFO control (write only).</summary>
[Flags]
public enum Fcr : byte
{
    None = 0,
    EnableFifos = 0x01,
    ClearReceiveFifo = 0x02,
    ClearTransmitFifo = 0x04,
    DmaModeSelect = 0x08,
    ReceiveTriggerMask = 0xc0,
}

/// <summary>LCR: character format, break, and divisor latch access.</summary>
[Flags]
public enum Lcr : byte
{
    None = 0,
    WordLengthMask = 0x03,
    TwoStopBits = 0x04,
    ParityEnable = 0x08,
    EvenParity = 0x10,
    StickParity = 0x20,
    SetBreak = 0x40,
    DivisorLatchAccess = 0x80,
}

/// <summary>MCR: modem outputs and loopback. Bits 7:5 always read 0.</summary>
[Flags]
public enum Mcr : byte
{
    None = 0,
    DataTerminalReady = 0x01,
    RequestToSend = 0x02,
    Out1 = 0x04,
    /// <summary>On PCs OUT2 enables the UART's interrupt onto the ISA IRQ line.</summary>
    Out2 = 0x08,
    Loopback = 0x10,
    All = 0x1f,
}

/// <summary>LSR: receiver and transmitter status.</summary>
[Flags]
public enum Lsr : byte
{
    None = 0,
    DataReady = 0x01,
    OverrunError = 0x02,
    ParityError = 0x04,
    FramingError = 0x08,
    BreakInterrupt = 0x10,
    TransmitterHoldingRegisterEmpty = 0x20,
    TransmitterEmpty = 0x40,
    /// <summary>At least one character in the receive FIFO has a parity, framing or break error.</summary>
    ReceiveFifoError = 0x80,

    /// <summary>The conditions that raise the receiver line status interrupt.</summary>
    LineErrors = OverrunError | ParityError | FramingError | BreakInterrupt,
}

/// <summary>MSR: modem inputs (high nibble) and their changes since the last read (low nibble).</summary>
[Flags]
public enum Msr : byte
{
    None = 0,
    DeltaClearToSend = 0x01,
    DeltaDataSetReady = 0x02,
    TrailingEdgeRingIndicator = 0x04,
    DeltaDataCarrierDetect = 0x08,
    ClearToSend = 0x10,
    DataSetReady = 0x20,
    RingIndicator = 0x40,
    DataCarrierDetect = 0x80,

    Deltas = 0x0f,
    Lines = 0xf0,
}
