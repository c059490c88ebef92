namespace MiniVmm.Devices.Pic;

/// <summary>
/// One 8259A: its registers, priority resolution, the acknowledge cycle and the command words.
/// It knows nothing of ports, locks or the other chip; <see cref="PicPair"/> wires two of them.
/// Not thread-safe: the pair serializes every call.
/// </summary>
public sealed class Pic8259(byte elcrMask)
{
    /// <summary>No request may interrupt (the 8-level priority scan found nothing).</summary>
    public const int None = -1;

    public PicState State { get; private set; } = new();

    /// <summary>The ELCR bits this chip implements.</summary>
    public byte ElcrMask { get; } = elcrMask;

    public void Reset() => State = new PicState();

    /// <summary>Takes a saved state (a snapshot restore).</summary>
    public void Load(PicState state) => State = state;

    private int HighestPriority => (State.LowestPriority + 1) & 7;

    /// <summary>Drives input <paramref name="line"/> (0-7) to <paramref name="level"/>.</summary>
    public void SetInput(int line, bool level)
    {
        byte bit = (byte)(1 << line);
        var s = State;
        bool wasHigh = (s.InputLevels & bit) != 0;
        s.InputLevels = level ? (byte)(s.InputLevels | bit) : (byte)(s.InputLevels & ~bit);
        if (IsLevelTriggered(line))
        {
            // Level mode: the request follows the line (a request that goes away before INTA is spurious).
            s.Irr = level ? (byte)(s.Irr | bit) : (byte)(s.Irr & ~bit);
        }
        else if (level && !wasHigh)
        {
            // Edge mode: a rising edge latches the request, which stays latched until acknowledged.
            s.Irr |= bit;
        }
    }

    /// <summary>Clears a latched request whose source went away before it was acknowledged.</summary>
    public void WithdrawRequest(int line) => State.Irr &= (byte)~(1 << line);

    public bool IsLevelTriggered(int line) => State.LevelTriggeredAll || (State.Elcr & (1 << line)) != 0;

    /// <summary>The level the chip would interrupt with now (INT is high), or <see cref="None"/>.</summary>
    public int PendingLevel()
    {
        var s = State;
        int request = Highest((byte)(s.Irr & ~s.Imr));
        if (request == None)
            return None;
        byte inService = s.Isr;
        if (s.SpecialMask)
            inService &= (byte)~s.Imr; // special mask mode: a masked level does not block lower ones
        if (s.SpecialFullyNested && s.Icw3 != 0 && !s.SingleMode && IsMaster)
            inService &= (byte)~s.Icw3; // SFNM: the slave's own higher requests may nest
        int serving = Highest(inService);
        return serving == None || Rank(request) < Rank(serving) ? request : None;
    }

    /// <summary>Set for the chip the pair uses as master (ICW3 names slave inputs there).</summary>
    public bool IsMaster { get; init; }

    /// <summary>The INTA cycle for <paramref name="level"/>: sets ISR (unless AEOI) and clears an edge request.</summary>
    public void Acknowledge(int level)
    {
        byte bit = (byte)(1 << level);
        var s = State;
        if (s.AutoEoi)
        {
            if (s.RotateOnAutoEoi)
                s.LowestPriority = level;
        }
        else
        {
            s.Isr |= bit;
        }
        if (!IsLevelTriggered(level))
            s.Irr &= (byte)~bit;
    }

    /// <summary>The vector for <paramref name="level"/> in 8086 mode: ICW2's T7-T3 and the level.</summary>
    public byte Vector(int level) => (byte)(State.VectorBase | level);

    public void WriteCommand(byte value)
    {
        if ((value & Icw1.Select) != 0)
            Initialize(value);
        else if ((value & Ocw3.Select) != 0)
            WriteOcw3(value);
        else
            WriteOcw2(value);
    }

    public void WriteData(byte value)
    {
        var s = State;
        switch (s.InitStep)
        {
            case PicInitStep.Ready:
                s.Imr = value; // OCW1
                break;
            case PicInitStep.ExpectIcw2:
                s.VectorBase = (byte)(value & 0xf8);
                s.InitStep = !s.SingleMode ? PicInitStep.ExpectIcw3 : s.Icw4Needed ? PicInitStep.ExpectIcw4 : PicInitStep.Ready;
                break;
            case PicInitStep.ExpectIcw3:
                s.Icw3 = value;
                s.InitStep = s.Icw4Needed ? PicInitStep.ExpectIcw4 : PicInitStep.Ready;
                break;
            case PicInitStep.ExpectIcw4:
                s.AutoEoi = (value & Icw4.AutoEoi) != 0;
                s.SpecialFullyNested = (value & Icw4.SpecialFullyNested) != 0;
                s.InitStep = PicInitStep.Ready;
                break;
        }
    }

    /// <summary>A command-port read: the poll word after OCW3.P, else IRR or ISR as OCW3.RIS selects.</summary>
    public byte ReadCommand()
    {
        var s = State;
        if (s.PollPending)
        {
            s.PollPending = false;
            int level = PendingLevel();
            if (level == None)
                return 0;
            Acknowledge(level);
            return (byte)(PollWord.InterruptPending | level);
        }
        return s.ReadIsr ? s.Isr : s.Irr;
    }

    public byte ReadData() => State.Imr;

    public void WriteElcr(byte value) => State.Elcr = (byte)(value & ElcrMask);

    // ICW1: "the edge sense circuit is reset", the IMR cleared, IR7 lowest priority, special mask
    // mode off, IRR selected for reading. The ELCR is a separate register and keeps its value.
    private void Initialize(byte icw1)
    {
        var s = State;
        byte levels = s.InputLevels;
        State = new PicState
        {
            Elcr = s.Elcr,
            InputLevels = levels,
            Icw4Needed = (icw1 & Icw1.Icw4Needed) != 0,
            SingleMode = (icw1 & Icw1.Single) != 0,
            LevelTriggeredAll = (icw1 & Icw1.LevelTriggered) != 0,
            InitStep = PicInitStep.ExpectIcw2,
        };
        // Level-triggered inputs already high request at once; edge inputs need a new rising edge.
        for (int line = 0; line < PcPicWiring.LinesPerChip; line++)
        {
            if (IsLevelTriggered(line) && (levels & (1 << line)) != 0)
                State.Irr |= (byte)(1 << line);
        }
    }

    private void WriteOcw2(byte value)
    {
        var s = State;
        int level = value & Ocw2.LevelMask;
        switch (value >> 5)
        {
            case Ocw2.RotateInAutoEoiClear:
            case Ocw2.RotateInAutoEoiSet:
                s.RotateOnAutoEoi = value >> 5 == Ocw2.RotateInAutoEoiSet;
                break;
            case Ocw2.NonSpecificEoi:
            case Ocw2.RotateOnNonSpecificEoi:
                int served = Highest(s.Isr);
                if (served != None)
                {
                    s.Isr &= (byte)~(1 << served);
                    if (value >> 5 == Ocw2.RotateOnNonSpecificEoi)
                        s.LowestPriority = served;
                }
                break;
            case Ocw2.SpecificEoi:
                s.Isr &= (byte)~(1 << level);
                break;
            case Ocw2.RotateOnSpecificEoi:
                s.Isr &= (byte)~(1 << level);
                s.LowestPriority = level;
                break;
            case Ocw2.SetPriority:
                s.LowestPriority = level;
                break;
        }
    }

    private void WriteOcw3(byte value)
    {
        var s = State;
        if ((value & Ocw3.Poll) != 0)
            s.PollPending = true;
        if ((value & Ocw3.ReadRegister) != 0)
            s.ReadIsr = (value & Ocw3.ReadIsr) != 0;
        if ((value & Ocw3.EnableSpecialMask) != 0)
            s.SpecialMask = (value & Ocw3.SpecialMask) != 0;
    }

    /// <summary>0 for the highest-priority level under the current rotation, 7 for the lowest.</summary>
    private int Rank(int level) => (level - HighestPriority) & 7;

    /// <summary>The highest-priority level set in <paramref name="bits"/>, or <see cref="None"/>.</summary>
    private int Highest(byte bits)
    {
        if (bits == 0)
            return None;
        for (int rank = 0; rank < PcPicWiring.LinesPerChip; rank++)
        {
            int level = (rank + HighestPriority) & 7;
            if ((bits & (1 << level)) != 0)
                return level;
        }
        return None;
    }
}
