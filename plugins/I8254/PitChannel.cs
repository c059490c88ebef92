namespace MiniVmm.Devices.Pit;

/// <summary>
/// One 8254 counter: its modes as functions of the input-clock tick (Intel 8254 datasheet, "Mode
/// definitions"), the count latch, the status latch and the byte-wise data port. The count is
/// computed from the tick it was loaded at; <see cref="NextChangeTick"/> tells the owner when OUT
/// next changes so that a timer, not busy ticking, drives the interrupt. Not thread-safe.
/// </summary>
public sealed class PitChannel
{
    public PitChannelState State { get; private set; } = new();

    /// <summary>Power-on: no count, OUT high (as a BIOS leaves it and as every mode but 0 starts).</summary>
    public void Reset(bool gate) => State = new PitChannelState { Gate = gate, IdleOutput = true };

    /// <summary>Takes a saved state (a snapshot restore).</summary>
    public void Load(PitChannelState state) => State = state;

    /// <summary>The mode with the don't-care bit of modes 6 and 7 folded.</summary>
    private int Mode => State.Mode > 5 ? State.Mode - 4 : State.Mode;

    /// <summary>The count in ticks: the written value (BCD decoded), 0 meaning 65536 (10000 in BCD). Modes 2 and 3 need at least 2.</summary>
    public long Period
    {
        get
        {
            long n = State.Bcd ? Bcd.Decode(State.CountRegister) : State.CountRegister;
            if (n == 0)
                n = State.Bcd ? 10_000 : 65_536;
            return Mode is 2 or 3 ? Math.Max(n, 2) : n;
        }
    }

    /// <summary>A control word for this counter: mode and access; OUT goes to its initial state and counting stops.</summary>
    public void Program(int mode, PitAccess access, bool bcd)
    {
        bool gate = State.Gate;
        State = new PitChannelState
        {
            Mode = mode,
            Access = access,
            Bcd = bcd,
            Gate = gate,
            IdleOutput = (mode > 5 ? mode - 4 : mode) != 0,
        };
    }

    /// <summary>A byte written to the counter's data port at <paramref name="tick"/>.</summary>
    public void WriteData(byte value, long tick)
    {
        var s = State;
        switch (s.Access)
        {
            case PitAccess.LowByte:
                Load(value, tick);
                break;
            case PitAccess.HighByte:
                Load((ushort)(value << 8), tick);
                break;
            default:
                if (!s.WriteHighNext)
                {
                    s.CountRegister = (ushort)((s.CountRegister & 0xff00) | value);
                    s.WriteHighNext = true;
                    if (Mode == 0)
                    {
                        // Mode 0: writing the first byte stops the count and drops OUT.
                        s.IdleOutput = false;
                        s.Counting = false;
                    }
                }
                else
                {
                    s.WriteHighNext = false;
                    Load((ushort)((s.CountRegister & 0x00ff) | (value << 8)), tick);
                }
                break;
        }
    }

    /// <summary>A byte read from the data port: a latched status, then a latched count, else the live count.</summary>
    public byte ReadData(long tick)
    {
        var s = State;
        if (s.LatchedStatus is { } status)
        {
            s.LatchedStatus = null;
            return status;
        }
        if (s.LatchedCount is { } latched)
        {
            if (s.Access == PitAccess.LowThenHigh && !s.LatchedHighNext)
            {
                s.LatchedHighNext = true;
                return (byte)latched;
            }
            s.LatchedCount = null;
            s.LatchedHighNext = false;
            return s.Access == PitAccess.HighByte || s.Access == PitAccess.LowThenHigh ? (byte)(latched >> 8) : (byte)latched;
        }
        ushort count = CountAt(tick);
        switch (s.Access)
        {
            case PitAccess.HighByte:
                return (byte)(count >> 8);
            case PitAccess.LowThenHigh:
                s.ReadHighNext = !s.ReadHighNext;
                return s.ReadHighNext ? (byte)count : (byte)(count >> 8);
            default:
                return (byte)count;
        }
    }

    /// <summary>The counter latch command; ignored while an earlier latch is unread.</summary>
    public void LatchCount(long tick)
    {
        State.LatchedCount ??= CountAt(tick);
    }

    /// <summary>Latches the status byte (read-back command); ignored while an earlier status is unread.</summary>
    public void LatchStatus(long tick)
    {
        var s = State;
        s.LatchedStatus ??= (byte)((Output(tick) ? PitStatus.Output : 0)
            | (s.Counting ? 0 : PitStatus.NullCount)
            | ((int)s.Access << ControlWord.AccessShift)
            | (s.Mode << ControlWord.ModeShift)
            | (s.Bcd ? ControlWord.Bcd : 0));
    }

    /// <summary>Drives GATE. A rising edge triggers modes 1 and 5 and restarts modes 2 and 3.</summary>
    public void SetGate(bool level, long tick)
    {
        var s = State;
        bool rising = level && !s.Gate;
        s.Gate = level;
        if (!rising || !s.Counting)
            return;
        if (Mode is 1 or 5)
        {
            s.Triggered = true;
            s.LoadTick = tick;
        }
        else if (Mode is 2 or 3)
        {
            s.LoadTick = tick;
        }
    }

    /// <summary>The OUT pin at <paramref name="tick"/>.</summary>
    public bool Output(long tick)
    {
        var s = State;
        if (!s.Counting)
            return s.IdleOutput;
        long n = Period;
        long d = tick - s.LoadTick;
        return Mode switch
        {
            0 => d >= n,
            1 => !s.Triggered || d >= n,
            2 => !s.Gate || d % n != n - 1,
            3 => !s.Gate || d % n < (n + 1) / 2,
            4 => d != n,
            _ => !s.Triggered || d != n,
        };
    }

    /// <summary>The count the counting element holds at <paramref name="tick"/>, encoded as the guest reads it (BCD in BCD mode).</summary>
    public ushort CountAt(long tick)
    {
        var s = State;
        long n = Period;
        if (!s.Counting || (Mode is 1 or 5 && !s.Triggered))
            return s.CountRegister;
        long d = tick - s.LoadTick;
        long modulus = s.Bcd ? 10_000 : 65_536;
        long count = Mode switch
        {
            2 => n - d % n,
            3 => n - 2 * d % n, // counts down by two each clock
            _ => ((n - d) % modulus + modulus) % modulus,
        };
        count %= modulus;
        return s.Bcd ? Bcd.Encode((int)count) : (ushort)count;
    }

    /// <summary>The first tick after <paramref name="tick"/> at which OUT changes, or null when it stays.</summary>
    public long? NextChangeTick(long tick)
    {
        var s = State;
        if (!s.Counting)
            return null;
        long n = Period;
        long d = tick - s.LoadTick;
        long? next = Mode switch
        {
            0 => d < n ? n : null,
            1 => s.Triggered && d < n ? n : null,
            2 => !s.Gate ? null : d % n < n - 1 ? d - d % n + n - 1 : d + 1,
            3 => !s.Gate ? null : d % n < (n + 1) / 2 ? d - d % n + (n + 1) / 2 : d - d % n + n,
            4 => d < n ? n : d == n ? n + 1 : null,
            _ => !s.Triggered ? null : d < n ? n : d == n ? n + 1 : null,
        };
        return s.LoadTick + next;
    }

    /// <summary>The first rising edge of OUT after <paramref name="tick"/>, or null.</summary>
    public long? NextRisingTick(long tick)
    {
        var s = State;
        if (!s.Counting)
            return null;
        long n = Period;
        long d = tick - s.LoadTick;
        long? next = Mode switch
        {
            0 => d < n ? n : null,
            1 => s.Triggered && d < n ? n : null,
            2 or 3 => !s.Gate ? null : (Math.Max(d, -1) / n + 1) * n,
            4 => d < n + 1 ? n + 1 : null,
            _ => s.Triggered && d < n + 1 ? n + 1 : null,
        };
        return s.LoadTick + next;
    }

    private void Load(ushort count, long tick)
    {
        var s = State;
        s.CountRegister = count;
        s.Counting = true;
        s.LoadTick = tick;
        // Modes 1 and 5 wait for a GATE edge; a gate already high does not count as one.
        s.Triggered = false;
    }
}

/// <summary>Four-decade BCD, as the 8254 counts in BCD mode.</summary>
internal static class Bcd
{
    public static int Decode(ushort value)
        => (value >> 12 & 0xf) * 1000 + (value >> 8 & 0xf) * 100 + (value >> 4 & 0xf) * 10 + (value & 0xf);

    public static ushort Encode(int value)
        => (ushort)((value / 1000 % 10) << 12 | (value / 100 % 10) << 8 | (value / 10 % 10) << 4 | value % 10);
}
