using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Serial;

/// <summary>
/// The National Semiconductor PC16550D ("16550A") UART's register semantics, knowing nothing of
/// ports or machine files (<see cref="Uart16550Device"/> is the glue). The wire is a host
/// character backend and is infinitely fast: a transmitted character reaches the backend at once,
/// so THRE and TEMT are set again by the time the guest looks. Input is pulled from the backend
/// only while the receiver has room, so a slow guest loses nothing.
/// Thread safety: registers are accessed on vCPU threads and input arrives on host threads; one
/// lock serialises both.
/// </summary>
public sealed class Uart16550
{
    /// <summary>Without a character for this many character times, a non-empty FIFO below the trigger level interrupts.</summary>
    public const int CharacterTimeoutCharacters = 4;

    private static readonly int[] ReceiveTriggerLevels = [1, 4, 8, 14];

    private readonly object _lock = new();
    private readonly ICharBackend _wire;
    private readonly IInterruptLine _irq;
    private readonly IClock _clock;
    private UartState _state = new();
    private bool _irqLevel;
    private long _timeoutDeadline = -1;

    public Uart16550(ICharBackend wire, IInterruptLine irq, IClock clock)
    {
        _wire = wire;
        _irq = irq;
        _clock = clock;
        _state.ModemLines = ModemSignals.External;
        _irq.Set(false);
    }

    /// <summary>The live register state (for tests and snapshots; not synchronised).</summary>
    public UartState State => _state;

    /// <summary>True while the device drives its interrupt line high.</summary>
    public bool InterruptLineLevel => _irqLevel;

    /// <summary>
    /// Clock time (ns) at which the character timeout will be indicated if nothing happens before,
    /// or -1 when it is not armed; the glue arms a timer on the machine clock for it and calls <see cref="Poll"/>.
    /// </summary>
    public long ReceiveTimeoutDeadline => Volatile.Read(ref _timeoutDeadline);

    public byte Read(int register)
    {
        lock (_lock)
        {
            byte value = register switch
            {
                UartRegister.Data when _state.DivisorLatchAccess => (byte)_state.Divisor,
                UartRegister.Data => ReadReceiverBuffer(),
                UartRegister.InterruptEnable when _state.DivisorLatchAccess => (byte)(_state.Divisor >> 8),
                UartRegister.InterruptEnable => (byte)_state.InterruptEnable,
                UartRegister.InterruptIdentification => ReadInterruptIdentification(),
                UartRegister.LineControl => (byte)_state.LineControl,
                UartRegister.ModemControl => (byte)_state.ModemControl,
                UartRegister.LineStatus => ReadLineStatus(),
                UartRegister.ModemStatus => ReadModemStatus(),
                UartRegister.Scratch => _state.Scratch,
                _ => throw new ArgumentOutOfRangeException(nameof(register), register, "a 16550 has registers 0-7"),
            };
            UpdateInterruptLine();
            return value;
        }
    }

    public void Write(int register, byte value)
    {
        lock (_lock)
        {
            switch (register)
            {
                case UartRegister.Data when _state.DivisorLatchAccess:
                    _state.Divisor = (ushort)((_state.Divisor & 0xff00) | value);
                    break;
                case UartRegister.Data:
                    WriteTransmitterHolding(value);
                    break;
                case UartRegister.InterruptEnable when _state.DivisorLatchAccess:
                    _state.Divisor = (ushort)((_state.Divisor & 0x00ff) | (value << 8));
                    break;
                case UartRegister.InterruptEnable:
                    WriteInterruptEnable((Ier)value & Ier.All);
                    break;
                case UartRegister.FifoControl:
                    WriteFifoControl((Fcr)value);
                    break;
                case UartRegister.LineControl:
                    WriteLineControl((Lcr)value);
                    break;
                case UartRegister.ModemControl:
                    WriteModemControl((Mcr)value & Mcr.All);
                    break;
                case UartRegister.LineStatus:
                case UartRegister.ModemStatus:
                    // Writable only for factory test on the real part; a guest write has no effect.
                    break;
                case UartRegister.Scratch:
                    _state.Scratch = value;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(register), register, "a 16550 has registers 0-7");
            }
            UpdateInterruptLine();
        }
    }

    /// <summary>The backend has input: take what fits into the receiver.</summary>
    public void OnInputAvailable()
    {
        lock (_lock)
        {
            PullFromWire();
            UpdateInterruptLine();
        }
    }

    /// <summary>Re-evaluates time-dependent state (the character timeout) and the interrupt line.</summary>
    public void Poll()
    {
        lock (_lock)
            UpdateInterruptLine();
    }

    /// <summary>Pushes every transmitted character out to the backend (the VM is stopping).</summary>
    public void Flush()
    {
        lock (_lock)
        {
            Transmit();
            _wire.Flush();
        }
    }

    /// <summary>Writes the registers, FIFOs and line level (<see cref="UartStateFormat"/>).</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
            UartStateFormat.Save(_state, _irqLevel, writer);
    }

    /// <summary>Takes saved registers and FIFOs, drives the line to the saved level and re-derives the character timeout.</summary>
    public void LoadState(IStateReader reader, int version)
    {
        lock (_lock)
        {
            _state = UartStateFormat.Load(reader, version, out bool level);
            _irqLevel = level;
            _irq.Set(level);
            UpdateInterruptLine();
        }
    }

    /// <summary>Master reset: registers to their power-on values, FIFOs empty, interrupt low.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _state = new UartState { ModemLines = ModemSignals.External, LastReceiveActivityNanoseconds = _clock.NowNanoseconds };
            PullFromWire();
            UpdateInterruptLine();
        }
    }

    private byte ReadReceiverBuffer()
    {
        var receiver = _state.Receiver;
        if (receiver.IsEmpty)
            return 0;
        byte value = receiver.Dequeue();
        // The next character's errors show in LSR when it reaches the top of the FIFO.
        _state.LineErrors |= receiver.HeadErrors & (Lsr.ParityError | Lsr.FramingError | Lsr.BreakInterrupt);
        _state.LastReceiveActivityNanoseconds = _clock.NowNanoseconds;
        PullFromWire();
        return value;
    }

    private byte ReadInterruptIdentification()
    {
        InterruptId id = IdentifyInterrupt();
        if (id == InterruptId.TransmitterHoldingRegisterEmpty)
            _state.TransmitterEmptyInterruptPending = false;
        return (byte)((_state.FifosEnabled ? Iir.FifosEnabled : 0) | (byte)id);
    }

    private byte ReadLineStatus()
    {
        Lsr value = _state.LineErrors;
        if (!_state.Receiver.IsEmpty)
            value |= Lsr.DataReady;
        if (_state.Transmitter.IsEmpty)
            value |= Lsr.TransmitterHoldingRegisterEmpty | Lsr.TransmitterEmpty;
        if (_state.FifosEnabled && _state.Receiver.HasCharacterWithError)
            value |= Lsr.ReceiveFifoError;
        _state.LineErrors = Lsr.None; // reading LSR clears OE, PE, FE and BI
        return (byte)value;
    }

    private byte ReadModemStatus()
    {
        UpdateModemLines();
        byte value = (byte)(_state.ModemLines | _state.ModemStatusDeltas);
        _state.ModemStatusDeltas = Msr.None;
        return value;
    }

    private void WriteTransmitterHolding(byte value)
    {
        _state.TransmitterEmptyInterruptPending = false;
        _state.Transmitter.Enqueue(value);
        Transmit();
    }

    private void WriteInterruptEnable(Ier value)
    {
        Ier previous = _state.InterruptEnable;
        _state.InterruptEnable = value;
        bool thre = (value & Ier.TransmitterHoldingRegisterEmpty) != 0;
        bool wasThre = (previous & Ier.TransmitterHoldingRegisterEmpty) != 0;
        // Enabling the THRE interrupt while THR is empty raises it at once.
        if (thre && !wasThre && _state.Transmitter.IsEmpty)
            _state.TransmitterEmptyInterruptPending = true;
        else if (!thre)
            _state.TransmitterEmptyInterruptPending = false;
    }

    private void WriteFifoControl(Fcr value)
    {
        bool enable = (value & Fcr.EnableFifos) != 0;
        if (enable != _state.FifosEnabled)
        {
            // Changing FCR0 clears both FIFOs.
            _state.Receiver.Clear();
            _state.Transmitter.Clear();
        }
        if (!enable)
        {
            // FCR0 must be set for the other FCR bits to be written.
            _state.FifoControl = Fcr.None;
            PullFromWire();
            return;
        }
        if ((value & Fcr.ClearReceiveFifo) != 0)
        {
            _state.Receiver.Clear();
            _state.LastReceiveActivityNanoseconds = _clock.NowNanoseconds;
        }
        if ((value & Fcr.ClearTransmitFifo) != 0)
            _state.Transmitter.Clear();
        _state.FifoControl = value & (Fcr.EnableFifos | Fcr.DmaModeSelect | Fcr.ReceiveTriggerMask);
        PullFromWire();
    }

    private void WriteLineControl(Lcr value)
    {
        bool breakStarted = (value & Lcr.SetBreak) != 0 && (_state.LineControl & Lcr.SetBreak) == 0;
        _state.LineControl = value;
        // In loopback the break reaches our own receiver as a zero character with BI (and FE).
        if (breakStarted && _state.Loopback)
            Receive(0, Lsr.BreakInterrupt | Lsr.FramingError);
    }

    private void WriteModemControl(Mcr value)
    {
        bool leftLoopback = _state.Loopback && (value & Mcr.Loopback) == 0;
        _state.ModemControl = value;
        UpdateModemLines();
        if (leftLoopback)
            PullFromWire();
    }

    private void Transmit()
    {
        var transmitter = _state.Transmitter;
        if (transmitter.IsEmpty)
            return;
        while (!transmitter.IsEmpty)
        {
            byte value = transmitter.Dequeue();
            if (_state.Loopback)
                Receive(value, Lsr.None); // the serial output is looped back and does not leave the chip
            else
                _wire.Write(new ReadOnlySpan<byte>(in value));
        }
        _state.TransmitterEmptyInterruptPending = true;
    }

    private bool ReceiverHasRoom => _state.FifosEnabled ? !_state.Receiver.IsFull : _state.Receiver.IsEmpty;

    // Flow control: take from the host only what the receiver can hold, so nothing is ever dropped.
    private void PullFromWire()
    {
        if (_state.Loopback)
            return; // the serial input is disconnected from the wire in loopback mode
        while (ReceiverHasRoom && _wire.TryRead(out byte value))
            Receive(value, Lsr.None);
    }

    private void Receive(byte value, Lsr errors)
    {
        var receiver = _state.Receiver;
        bool wasEmpty = receiver.IsEmpty;
        if (_state.FifosEnabled)
        {
            if (receiver.IsFull)
            {
                // The character in the shift register is lost; the FIFO keeps its contents.
                _state.LineErrors |= Lsr.OverrunError;
                return;
            }
            receiver.Enqueue(value, errors);
        }
        else if (!wasEmpty)
        {
            // 16450 mode: the new character overwrites the unread one.
            _state.LineErrors |= Lsr.OverrunError;
            receiver.ReplaceNewest(value, errors);
            _state.LineErrors |= errors;
        }
        else
        {
            receiver.Enqueue(value, errors);
        }
        if (wasEmpty)
            _state.LineErrors |= errors;
        _state.LastReceiveActivityNanoseconds = _clock.NowNanoseconds;
    }

    private void UpdateModemLines()
    {
        Msr now = _state.Loopback ? ModemSignals.LoopedBack(_state.ModemControl) : ModemSignals.External;
        _state.ModemStatusDeltas |= ModemSignals.Deltas(_state.ModemLines, now);
        _state.ModemLines = now;
    }

    private int ReceiveTriggerLevel => ReceiveTriggerLevels[((byte)_state.FifoControl >> 6) & 3];

    private long CharacterTimeNanoseconds => CharacterTiming.Nanoseconds(_state.LineControl, _state.Divisor);

    private bool CharacterTimeoutArmed =>
        _state.FifosEnabled && !_state.Receiver.IsEmpty && _state.Receiver.Count < ReceiveTriggerLevel;

    private bool CharacterTimedOut =>
        CharacterTimeoutArmed &&
        _clock.NowNanoseconds - _state.LastReceiveActivityNanoseconds >= CharacterTimeoutCharacters * CharacterTimeNanoseconds;

    /// <summary>The highest-priority pending interrupt, in the 16550's order.</summary>
    private InterruptId IdentifyInterrupt()
    {
        Ier enabled = _state.InterruptEnable;
        if ((enabled & Ier.ReceiverLineStatus) != 0 && (_state.LineErrors & Lsr.LineErrors) != 0)
            return InterruptId.ReceiverLineStatus;
        if ((enabled & Ier.ReceivedDataAvailable) != 0)
        {
            if (_state.FifosEnabled ? _state.Receiver.Count >= ReceiveTriggerLevel : !_state.Receiver.IsEmpty)
                return InterruptId.ReceivedDataAvailable;
            if (CharacterTimedOut)
                return InterruptId.CharacterTimeout;
        }
        if ((enabled & Ier.TransmitterHoldingRegisterEmpty) != 0 && _state.TransmitterEmptyInterruptPending)
            return InterruptId.TransmitterHoldingRegisterEmpty;
        if ((enabled & Ier.ModemStatus) != 0 && (_state.ModemStatusDeltas & Msr.Deltas) != 0)
            return InterruptId.ModemStatus;
        return InterruptId.None;
    }

    private void UpdateInterruptLine()
    {
        // On PCs OUT2 gates the UART's INTR onto the ISA bus; loopback forces the OUT pins inactive.
        bool level = IdentifyInterrupt() != InterruptId.None
            && (_state.ModemControl & Mcr.Out2) != 0
            && !_state.Loopback;
        if (level != _irqLevel)
        {
            _irqLevel = level;
            _irq.Set(level);
        }
        long deadline = CharacterTimeoutArmed && (_state.InterruptEnable & Ier.ReceivedDataAvailable) != 0
            ? _state.LastReceiveActivityNanoseconds + CharacterTimeoutCharacters * CharacterTimeNanoseconds
            : -1;
        Volatile.Write(ref _timeoutDeadline, deadline);
    }
}
