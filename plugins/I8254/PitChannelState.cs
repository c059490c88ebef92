namespace MiniVmm.Devices.Pit;

/// <summary>
/// One counter's programmer-visible state. Time is in input-clock ticks since power-on; the count
/// is not stored as it runs but computed from the tick its count was loaded at, so a running
/// counter costs nothing until someone looks at it.
/// </summary>
public sealed record PitChannelState
{
    /// <summary>The mode (0-5); 6 and 7 alias 2 and 3.</summary>
    public int Mode { get; set; }

    public PitAccess Access { get; set; } = PitAccess.LowThenHigh;

    public bool Bcd { get; set; }

    /// <summary>The count register as the guest wrote it (BCD digits in BCD mode); 0 means the maximum.</summary>
    public ushort CountRegister { get; set; }

    /// <summary>A count is loaded and counting (false after power-on and after a control word until a count is written).</summary>
    public bool Counting { get; set; }

    /// <summary>The tick the current count was loaded (or, in modes 1 and 5, the gate triggered).</summary>
    public long LoadTick { get; set; }

    /// <summary>The GATE input. Channels 0 and 1 are wired high on a PC; channel 2's comes from port 0x61.</summary>
    public bool Gate { get; set; } = true;

    /// <summary>Modes 1 and 5 count only after a rising GATE edge.</summary>
    public bool Triggered { get; set; }

    /// <summary>LSB written, MSB expected (LSB-then-MSB writes).</summary>
    public bool WriteHighNext { get; set; }

    /// <summary>LSB read, MSB next (LSB-then-MSB reads).</summary>
    public bool ReadHighNext { get; set; }

    /// <summary>A counter latch command's value, held until read.</summary>
    public ushort? LatchedCount { get; set; }

    /// <summary>The latched MSB remains to be read (the LSB was read).</summary>
    public bool LatchedHighNext { get; set; }

    /// <summary>A read-back status byte, held until read (it is read before a latched count).</summary>
    public byte? LatchedStatus { get; set; }

    /// <summary>The OUT level before any count: low in mode 0, high in the others.</summary>
    public bool IdleOutput { get; set; }
}
