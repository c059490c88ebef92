namespace MiniVmm.Devices.Pic;

/// <summary>The two ports of one 8259A (Intel 8259A datasheet, "Programming the 8259A").</summary>
public static class PicPort
{
    /// <summary>A0 = 0: ICW1, OCW2, OCW3 (write); IRR, ISR or the poll word (read).</summary>
    public const int Command = 0;

    /// <summary>A0 = 1: ICW2-ICW4 during initialization, OCW1 (the IMR) afterwards.</summary>
    public const int Data = 1;

    /// <summary>Ports one 8259A occupies.</summary>
    public const int Count = 2;
}

/// <summary>ICW1, written to the command port with bit 4 set.</summary>
public static class Icw1
{
    /// <summary>Bit 4 distinguishes ICW1 from OCW2/OCW3.</summary>
    public const byte Select = 0x10;

    /// <summary>IC4: ICW4 will follow.</summary>
    public const byte Icw4Needed = 0x01;

    /// <summary>SNGL: no cascade, so no ICW3.</summary>
    public const byte Single = 0x02;

    /// <summary>LTIM: every input is level triggered.</summary>
    public const byte LevelTriggered = 0x08;
}

/// <summary>ICW4.</summary>
public static class Icw4
{
    /// <summary>uPM: 8086/8088 mode (vectors from ICW2); a PC always sets it.</summary>
    public const byte Mode8086 = 0x01;

    /// <summary>AEOI: the acknowledge cycle ends the interrupt itself.</summary>
    public const byte AutoEoi = 0x02;

    /// <summary>SFNM: special fully nested mode (master only).</summary>
    public const byte SpecialFullyNested = 0x10;
}

/// <summary>OCW2 (command port, bits 4:3 = 00): end of interrupt and rotation commands in bits 7:5.</summary>
public static class Ocw2
{
    public const byte LevelMask = 0x07;

    public const int RotateInAutoEoiClear = 0;
    public const int NonSpecificEoi = 1;
    public const int NoOperation = 2;
    public const int SpecificEoi = 3;
    public const int RotateInAutoEoiSet = 4;
    public const int RotateOnNonSpecificEoi = 5;
    public const int SetPriority = 6;
    public const int RotateOnSpecificEoi = 7;
}

/// <summary>OCW3 (command port, bits 4:3 = 01).</summary>
public static class Ocw3
{
    /// <summary>Bits 4:3 = 01 mark OCW3.</summary>
    public const byte Select = 0x08;

    /// <summary>RIS: read ISR (1) or IRR (0) on the next command-port read, when RR is set.</summary>
    public const byte ReadIsr = 0x01;

    /// <summary>RR: take RIS.</summary>
    public const byte ReadRegister = 0x02;

    /// <summary>P: the next command-port read is a poll.</summary>
    public const byte Poll = 0x04;

    /// <summary>SMM: special mask mode on (1) or off (0), when ESMM is set.</summary>
    public const byte SpecialMask = 0x20;

    /// <summary>ESMM: take SMM.</summary>
    public const byte EnableSpecialMask = 0x40;
}

/// <summary>The poll word: bit 7 set when an interrupt was pending, bits 2:0 its level.</summary>
public static class PollWord
{
    public const byte InterruptPending = 0x80;
}

/// <summary>The PC's wiring of the pair.</summary>
public static class PcPicWiring
{
    /// <summary>The master input the slave's INT drives.</summary>
    public const int CascadeLine = 2;

    /// <summary>Inputs per chip.</summary>
    public const int LinesPerChip = 8;

    /// <summary>The lowest-priority level, reported by a spurious interrupt.</summary>
    public const int SpuriousLevel = 7;

    /// <summary>ELCR bits that can be set: IRQ 0, 1, 2 (master) and 8, 13 (slave) are always edge triggered (PIIX datasheet).</summary>
    public const byte MasterElcrMask = 0xf8;
    public const byte SlaveElcrMask = 0xde;
}
