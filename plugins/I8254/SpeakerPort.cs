using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>System control port B (0x61) bits (IBM PC/AT technical reference; PIIX NMI status and control register).</summary>
public static class PortB
{
    /// <summary>R/W: GATE of PIT channel 2.</summary>
    public const byte Timer2Gate = 0x01;

    /// <summary>R/W: the speaker follows channel 2's OUT.</summary>
    public const byte SpeakerData = 0x02;

    /// <summary>R/W: parity check (bit 2) and I/O channel check (bit 3) disables.</summary>
    public const byte CheckDisables = 0x0c;

    /// <summary>R: toggles every refresh cycle (about 15 µs); firmware delay loops count its flips.</summary>
    public const byte RefreshToggle = 0x10;

    /// <summary>R: PIT channel 2's OUT.</summary>
    public const byte Timer2Output = 0x20;

    /// <summary>The bits a write sets.</summary>
    public const byte Writable = Timer2Gate | SpeakerData | CheckDisables;

    /// <summary>The DRAM refresh request period (15.085 µs: 18 PIT clocks).</summary>
    public const long RefreshPeriodNanoseconds = 15_085;
}

/// <summary>
/// Port 0x61: channel 2's GATE and the speaker enable (written), channel 2's OUT and the refresh
/// toggle (read). It belongs to the PC chipset rather than to the 8254, but it only drives the
/// 8254's channel 2, so it is the <c>i8254</c> entry's <c>port61</c> window. The speaker makes no
/// sound here.
/// </summary>
public sealed class SpeakerPort(Pit8254 pit, IClock clock) : IPortDevice
{
    private readonly Pit8254 _pit = pit;
    private readonly IClock _clock = clock;
    private readonly object _lock = new();
    private byte _control;

    public int PortCount => 1;

    public uint Read(ushort offset, int size)
    {
        byte control;
        lock (_lock)
            control = _control;
        var (_, output) = _pit.SpeakerChannel();
        bool refresh = _clock.NowNanoseconds / PortB.RefreshPeriodNanoseconds % 2 == 1;
        uint value = (uint)(control | (output ? PortB.Timer2Output : 0) | (refresh ? PortB.RefreshToggle : 0));
        return size == 1 ? value : value | (uint.MaxValue << 8);
    }

    public void Write(ushort offset, int size, uint value)
    {
        byte control = (byte)(value & PortB.Writable);
        lock (_lock)
            _control = control;
        _pit.SetSpeakerGate((control & PortB.Timer2Gate) != 0);
    }

    /// <summary>The writable bits of port 0x61, for a snapshot.</summary>
    public byte Control
    {
        get
        {
            lock (_lock)
                return _control;
        }
        set
        {
            lock (_lock)
                _control = (byte)(value & PortB.Writable);
        }
    }

    public void Reset()
    {
        lock (_lock)
            _control = 0;
    }
}
