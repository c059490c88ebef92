namespace MiniVmm.Devices.Pic;

/// <summary>Where a chip is in its initialization sequence (ICW1 starts it).</summary>
public enum PicInitStep
{
    /// <summary>Initialized: data-port writes are OCW1.</summary>
    Ready,
    ExpectIcw2,
    ExpectIcw3,
    ExpectIcw4,
}

/// <summary>
/// One 8259A's programmer-visible state, apart from the logic that drives it. Bit n of each byte
/// register is input IRn. The power-on state is "uninitialized, everything masked off by nothing":
/// a BIOS programs it before enabling interrupts.
/// </summary>
public sealed record PicState
{
    /// <summary>Interrupt request register: requests latched and not yet acknowledged.</summary>
    public byte Irr { get; set; }

    /// <summary>In-service register: interrupts acknowledged and not yet ended.</summary>
    public byte Isr { get; set; }

    /// <summary>Interrupt mask register (OCW1).</summary>
    public byte Imr { get; set; }

    /// <summary>The input levels as the devices drive them (edge detection and level triggering).</summary>
    public byte InputLevels { get; set; }

    /// <summary>Inputs whose rising edge has been seen since ICW1 (ICW1 resets the edge sense latch).</summary>
    public byte EdgeArmed { get; set; }

    /// <summary>Edge/level control (ELCR): 1 = level triggered.</summary>
    public byte Elcr { get; set; }

    /// <summary>ICW1.LTIM: every input level triggered.</summary>
    public bool LevelTriggeredAll { get; set; }

    /// <summary>ICW2 bits 7:3: the vector of IR0.</summary>
    public byte VectorBase { get; set; }

    /// <summary>ICW3 as written (master: which inputs have slaves; slave: its cascade identity).</summary>
    public byte Icw3 { get; set; }

    public PicInitStep InitStep { get; set; }
    public bool Icw4Needed { get; set; }
    public bool SingleMode { get; set; }
    public bool AutoEoi { get; set; }
    public bool RotateOnAutoEoi { get; set; }
    public bool SpecialFullyNested { get; set; }
    public bool SpecialMask { get; set; }

    /// <summary>OCW3.RIS: the command port reads the ISR instead of the IRR.</summary>
    public bool ReadIsr { get; set; }

    /// <summary>OCW3.P: the next command-port read is a poll.</summary>
    public bool PollPending { get; set; }

    /// <summary>The level with the highest priority is (LowestPriority + 1) mod 8; 7 after ICW1.</summary>
    public int LowestPriority { get; set; } = PcPicWiring.SpuriousLevel;
}
