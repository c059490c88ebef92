using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>
/// The 8254 on a PC: three counters clocked at 1.193182 MHz, channel 0's OUT on an interrupt line,
/// channel 2's GATE and OUT for port 0x61. Bus accesses come from the vCPU thread and the channel 0
/// timer fires on the clock's thread, so one lock guards the counters; the interrupt line is driven
/// outside it (under a separate lock that keeps the line's edges in order).
/// </summary>
public sealed class Pit8254 : IDisposable
{
    private readonly object _lock = new();
    private readonly object _lineLock = new();
    private readonly IClock _clock;
    private readonly IInterruptLine _irq;
    private readonly IDeviceTimer _timer;
    private readonly PitChannel[] _channels = [new(), new(), new()];
    private bool _lineLevel;
    private long _lastTick;

    public Pit8254(IClock clock, IInterruptLine irq)
    {
        _clock = clock;
        _irq = irq;
        _timer = clock.CreateTimer(OnTimer);
        ResetLocked();
        _lineLevel = true;
        _irq.Set(true);
    }

    /// <summary>The counter <paramref name="index"/> (0-2), for tests and diagnostics.</summary>
    public PitChannel Channel(int index) => _channels[index];

    /// <summary>The input-clock tick at <paramref name="nanoseconds"/> of machine time.</summary>
    public static long TickAt(long nanoseconds) => (long)((Int128)nanoseconds * PcPitWiring.InputHz / 1_000_000_000);

    /// <summary>The first nanosecond at which the input clock has reached <paramref name="tick"/>.</summary>
    public static long NanosecondsAt(long tick) => (long)(((Int128)tick * 1_000_000_000 + PcPitWiring.InputHz - 1) / PcPitWiring.InputHz);

    private long Now => TickAt(_clock.NowNanoseconds);

    public void Reset()
    {
        lock (_lineLock)
        {
            lock (_lock)
                ResetLocked();
            _timer.Cancel();
            _lineLevel = true;
            _irq.Set(true);
        }
    }

    public byte Read(int port)
    {
        if (port == PitPort.Control)
            return 0xff; // the control word register is write only
        lock (_lock)
            return _channels[port].ReadData(Now);
    }

    public void Write(int port, byte value)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                long now = Now;
                if (port == PitPort.Control)
                    WriteControl(value, now);
                else
                    _channels[port].WriteData(value, now);
            }
            if (port is PitPort.Control or PitPort.Counter0)
                UpdateChannelZero(restart: true);
        }
    }

    /// <summary>Channel 2's GATE (port 0x61 bit 0).</summary>
    public void SetSpeakerGate(bool level)
    {
        lock (_lock)
            _channels[PcPitWiring.SpeakerChannel].SetGate(level, Now);
    }

    /// <summary>Channel 2's GATE and OUT (port 0x61 bits 0 and 5).</summary>
    public (bool Gate, bool Output) SpeakerChannel()
    {
        lock (_lock)
        {
            var channel = _channels[PcPitWiring.SpeakerChannel];
            return (channel.State.Gate, channel.Output(Now));
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Writes the counters, IRQ 0's level, the last tick seen and channel 0's armed deadline.</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                foreach (var channel in _channels)
                    PitStateFormat.Save(channel.State, writer);
                writer.WriteBool(_lineLevel);
                writer.WriteInt64(_lastTick);
                writer.WriteBool(_timer.IsArmed);
                writer.WriteInt64(_timer.IsArmed ? _timer.Deadline : 0);
            }
        }
    }

    /// <summary>Takes saved counters, drives IRQ 0 to the saved level and arms the timer at its saved deadline.</summary>
    public void LoadState(IStateReader reader)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                foreach (var channel in _channels)
                    channel.Load(PitStateFormat.Load(reader));
                _lineLevel = reader.ReadBool();
                _lastTick = reader.ReadInt64();
            }
            bool armed = reader.ReadBool();
            long deadline = reader.ReadInt64();
            _irq.Set(_lineLevel);
            if (armed)
                _timer.Arm(deadline);
            else
                _timer.Cancel();
        }
    }

    private void ResetLocked()
    {
        // Power-on: the datasheet leaves mode, count and OUT undefined. Nothing counts (so an idle
        // machine arms no timer) until the guest programs a counter; OUT is high, as after a BIOS,
        // so programming mode 2 or 3 makes no edge and the first IRQ 0 comes at the end of the
        // first period (as on QEMU and on a PC after its BIOS). GATE is high on channels 0 and 1.
        for (int i = 0; i < PcPitWiring.Channels; i++)
            _channels[i].Reset(gate: i != PcPitWiring.SpeakerChannel);
        _lastTick = 0;
    }

    private void WriteControl(byte value, long now)
    {
        int select = value >> ControlWord.SelectShift;
        if (select == ControlWord.ReadBackSelect)
        {
            for (int i = 0; i < PcPitWiring.Channels; i++)
            {
                if ((value & (1 << (ReadBack.CounterSelectShift + i))) == 0)
                    continue;
                // Status first: "if both are latched, the first read returns the status".
                if ((value & ReadBack.NotStatus) == 0)
                    _channels[i].LatchStatus(now);
                if ((value & ReadBack.NotCount) == 0)
                    _channels[i].LatchCount(now);
            }
            return;
        }
        var access = (PitAccess)((value & ControlWord.AccessMask) >> ControlWord.AccessShift);
        if (access == PitAccess.Latch)
            _channels[select].LatchCount(now);
        else
            _channels[select].Program((value & ControlWord.ModeMask) >> ControlWord.ModeShift, access, (value & ControlWord.Bcd) != 0);
    }

    private void OnTimer()
    {
        lock (_lineLock)
            UpdateChannelZero(restart: false);
    }

    // Brings IRQ 0 in line with channel 0's OUT and arms the timer for OUT's next change. A timer
    // that fires late still delivers a rising edge it slept through (as a pulse), so the PIC latches it.
    // Called with _lineLock held; the line is driven outside _lock.
    private void UpdateChannelZero(bool restart)
    {
        bool target, risen;
        long? next;
        lock (_lock)
        {
            var channel = _channels[0];
            long now = Now;
            risen = !restart && channel.NextRisingTick(_lastTick) is { } rising && rising <= now;
            target = channel.Output(now);
            next = channel.NextChangeTick(now);
            _lastTick = now;
        }
        bool level = _lineLevel;
        if (risen)
        {
            if (level)
                _irq.Set(false);
            _irq.Set(true);
            level = true;
        }
        if (target != level)
            _irq.Set(target);
        _lineLevel = target;
        if (next is { } tick)
            _timer.Arm(NanosecondsAt(tick));
        else
            _timer.Cancel();
    }
}
