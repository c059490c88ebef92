using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>
/// The 8042 keyboard controller with a PS/2 keyboard behind it that answers the commands firmware
/// and Linux send (reset, identify, enable, LEDs, scan code set) but has no keys to press, and no
/// mouse. Its output port carries the reset line (a pulse resets the machine) and the A20 gate.
/// One lock guards the state; the interrupt line, the A20 gate and reset requests are driven
/// outside it.
/// </summary>
public sealed class KeyboardController(IInterruptLine irq, IVmControl vm, A20Gate a20, Serilog.ILogger logger)
{
    private readonly object _lock = new();

    public KbcState State { get; private set; } = new();

    public void Reset()
    {
        lock (_lock)
            State = new KbcState();
        Apply(new Effects(Irq: false, A20: true, Reset: null));
    }

    /// <summary>Writes the controller's registers and output buffer (state version 1).</summary>
    public void SaveState(IStateWriter w)
    {
        lock (_lock)
        {
            var s = State;
            w.WriteByte(s.CommandByte);
            w.WriteByte(s.OutputPort);
            w.WriteByte(s.Status);
            w.WriteByte(s.PendingCommand);
            w.WriteByte(s.PendingKeyboardCommand);
            w.WriteBool(s.KeyboardScanning);
            w.WriteInt32(s.Output.Count);
            foreach (var (value, aux) in s.Output)
            {
                w.WriteByte(value);
                w.WriteBool(aux);
            }
        }
    }

    /// <summary>Takes saved registers; the interrupt line and the A20 gate follow them.</summary>
    public void LoadState(IStateReader r)
    {
        var s = new KbcState
        {
            CommandByte = r.ReadByte(),
            OutputPort = r.ReadByte(),
            Status = r.ReadByte(),
            PendingCommand = r.ReadByte(),
            PendingKeyboardCommand = r.ReadByte(),
            KeyboardScanning = r.ReadBool(),
        };
        int count = r.ReadInt32();
        if (count is < 0 or > 256)
            throw new StateFormatException($"i8042 output buffer of {count} bytes");
        for (int i = 0; i < count; i++)
            s.Output.Enqueue((r.ReadByte(), r.ReadBool()));
        Effects effects;
        lock (_lock)
        {
            State = s;
            effects = Current();
        }
        Apply(effects);
    }

    public byte ReadStatus()
    {
        lock (_lock)
        {
            var s = State;
            byte status = s.Status;
            if (s.Output.TryPeek(out var next))
                status |= (byte)(KbcStatus.OutputFull | (next.Aux ? KbcStatus.AuxOutputFull : 0));
            return status;
        }
    }

    public byte ReadData()
    {
        Effects effects;
        byte value;
        lock (_lock)
        {
            // An empty buffer reads the last byte again on real parts; 0 is what QEMU answers too.
            value = State.Output.TryDequeue(out var next) ? next.Value : (byte)0;
            effects = Current();
        }
        // Each byte loaded into the output buffer is a new interrupt: drop the line between bytes.
        irq.Set(false);
        Apply(effects);
        return value;
    }

    public void WriteCommand(byte command)
    {
        Effects effects;
        lock (_lock)
        {
            State.Status |= KbcStatus.LastWriteWasCommand;
            effects = Command(command);
        }
        Apply(effects);
    }

    public void WriteData(byte value)
    {
        Effects effects;
        lock (_lock)
        {
            var s = State;
            s.Status &= unchecked((byte)~KbcStatus.LastWriteWasCommand);
            byte pending = s.PendingCommand;
            s.PendingCommand = 0;
            effects = pending switch
            {
                KbcCommand.WriteCommandByte => SetCommandByte(value),
                KbcCommand.WriteOutputPort => SetOutputPort(value),
                KbcCommand.WriteKeyboardOutput => Enqueue(value, aux: false),
                KbcCommand.WriteAuxOutput => Enqueue(value, aux: true),
                KbcCommand.WriteToAux => Current(), // no mouse: the byte goes nowhere
                _ => KeyboardWrite(value),
            };
        }
        Apply(effects);
    }

    /// <summary>What a state change asks of the outside world, applied without the lock.</summary>
    private readonly record struct Effects(bool Irq, bool A20, string? Reset);

    private Effects Current()
    {
        var s = State;
        bool irq = s.Output.TryPeek(out var next)
            && (s.CommandByte & (next.Aux ? KbcCommandByte.AuxInterrupt : KbcCommandByte.KeyboardInterrupt)) != 0;
        return new Effects(irq, (s.OutputPort & KbcOutputPort.A20) != 0, null);
    }

    private void Apply(Effects effects)
    {
        irq.Set(effects.Irq);
        if (a20.SetKeyboardController(effects.A20))
            logger.Debug("A20 gate {State} by the keyboard controller", effects.A20 ? "enabled" : "disabled");
        if (effects.Reset is { } reason)
        {
            logger.Information("Reset line pulsed: {Reason}", reason);
            vm.RequestReset(reason);
        }
    }

    private Effects Command(byte command)
    {
        var s = State;
        switch (command)
        {
            case KbcCommand.ReadCommandByte:
                return Enqueue(s.CommandByte, aux: false);
            case KbcCommand.WriteCommandByte or KbcCommand.WriteOutputPort or KbcCommand.WriteKeyboardOutput
                or KbcCommand.WriteAuxOutput or KbcCommand.WriteToAux:
                s.PendingCommand = command;
                return Current();
            case KbcCommand.DisableAux:
                s.CommandByte |= KbcCommandByte.AuxDisabled;
                return Current();
            case KbcCommand.EnableAux:
                s.CommandByte &= unchecked((byte)~KbcCommandByte.AuxDisabled);
                return Current();
            case KbcCommand.TestAux or KbcCommand.TestKeyboard:
                return Enqueue(KbcCommand.InterfaceOk, aux: false);
            case KbcCommand.SelfTest:
                s.Status |= KbcStatus.SystemFlag;
                return Enqueue(KbcCommand.SelfTestPassed, aux: false);
            case KbcCommand.DisableKeyboard:
                s.CommandByte |= KbcCommandByte.KeyboardDisabled;
                return Current();
            case KbcCommand.EnableKeyboard:
                s.CommandByte &= unchecked((byte)~KbcCommandByte.KeyboardDisabled);
                return Current();
            case KbcCommand.ReadInputPort:
                return Enqueue(0xff, aux: false);
            case KbcCommand.ReadOutputPort:
                return Enqueue(OutputPortWithBufferBits(), aux: false);
            case KbcCommand.DisableA20:
                s.OutputPort &= unchecked((byte)~KbcOutputPort.A20);
                return Current();
            case KbcCommand.EnableA20:
                s.OutputPort |= KbcOutputPort.A20;
                return Current();
            case KbcCommand.ReadTestInputs:
                return Enqueue(0x00, aux: false);
            case >= KbcCommand.PulseOutputPortFirst:
                // Bits 3:0 = 0 pulse the matching output port lines; bit 0 is the CPU reset line.
                return (command & KbcOutputPort.NotReset) == 0
                    ? Current() with { Reset = $"keyboard controller command 0x{command:X2}" }
                    : Current();
            default:
                logger.Debug("Unknown keyboard controller command 0x{Command:x2} ignored", command);
                return Current();
        }
    }

    private byte OutputPortWithBufferBits()
    {
        var s = State;
        byte port = (byte)(s.OutputPort & ~(KbcOutputPort.KeyboardOutputFull | KbcOutputPort.AuxOutputFull));
        if (s.Output.TryPeek(out var next))
            port |= next.Aux ? KbcOutputPort.AuxOutputFull : KbcOutputPort.KeyboardOutputFull;
        return port;
    }

    private Effects SetCommandByte(byte value)
    {
        State.CommandByte = value;
        State.Status = (byte)((State.Status & ~KbcStatus.SystemFlag) | (value & KbcCommandByte.SystemFlag));
        return Current();
    }

    private Effects SetOutputPort(byte value)
    {
        State.OutputPort = (byte)(value | KbcOutputPort.NotReset);
        // Writing bit 0 as 0 asserts the reset line.
        return (value & KbcOutputPort.NotReset) == 0
            ? Current() with { Reset = $"keyboard controller output port 0x{value:X2} (reset line low)" }
            : Current();
    }

    private Effects Enqueue(byte value, bool aux)
    {
        State.Output.Enqueue((value, aux));
        return Current();
    }

    // The keyboard: every command is ACKed; some answer more.
    private Effects KeyboardWrite(byte value)
    {
        var s = State;
        if (s.PendingKeyboardCommand != 0)
        {
            s.PendingKeyboardCommand = 0;
            return Enqueue(KeyboardCommand.Ack, aux: false);
        }
        switch (value)
        {
            case KeyboardCommand.Echo:
                return Enqueue(KeyboardCommand.Echo, aux: false);
            case KeyboardCommand.Reset:
                s.KeyboardScanning = true;
                Enqueue(KeyboardCommand.Ack, aux: false);
                return Enqueue(KeyboardCommand.SelfTestPassed, aux: false);
            case KeyboardCommand.Identify:
                Enqueue(KeyboardCommand.Ack, aux: false);
                Enqueue(KeyboardCommand.IdFirst, aux: false);
                return Enqueue(KeyboardCommand.IdSecond, aux: false);
            case KeyboardCommand.SetLeds or KeyboardCommand.ScanCodeSet or KeyboardCommand.SetTypematic:
                s.PendingKeyboardCommand = value;
                return Enqueue(KeyboardCommand.Ack, aux: false);
            case KeyboardCommand.Enable:
                s.KeyboardScanning = true;
                return Enqueue(KeyboardCommand.Ack, aux: false);
            case KeyboardCommand.DisableAndDefault:
                s.KeyboardScanning = false;
                return Enqueue(KeyboardCommand.Ack, aux: false);
            default:
                return Enqueue(KeyboardCommand.Ack, aux: false);
        }
    }
}
