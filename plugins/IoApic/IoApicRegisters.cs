namespace MiniVmm.Devices.IoApic;

/// <summary>The I/O APIC's memory-mapped window (82093AA datasheet, 3.1): an index and a data register.</summary>
public static class IoApicWindow
{
    /// <summary>IOREGSEL: which indirect register IOWIN reads and writes.</summary>
    public const ulong RegisterSelect = 0x00;
    /// <summary>IOWIN: the selected register's 32 bits.</summary>
    public const ulong Data = 0x10;
    /// <summary>The EOI register of version 0x20 parts (writes the vector whose remote IRR to clear).</summary>
    public const ulong Eoi = 0x40;
    public const ulong Size = 0x100;
}

/// <summary>The indirect registers behind IOWIN.</summary>
public static class IoApicRegister
{
    public const uint Id = 0x00;
    public const uint Version = 0x01;
    public const uint Arbitration = 0x02;
    /// <summary>Redirection entry n: low half at 0x10 + 2n, high half at 0x11 + 2n.</summary>
    public const uint RedirectionTable = 0x10;
}

/// <summary>Bits of a 64-bit redirection entry.</summary>
public static class RedirectionBits
{
    public const ulong VectorMask = 0xFF;
    public const int DeliveryModeShift = 8;
    public const ulong LogicalDestination = 1UL << 11;
    /// <summary>Delivery status: a message is pending (never here: delivery is immediate). Read-only.</summary>
    public const ulong DeliveryStatus = 1UL << 12;
    public const ulong ActiveLow = 1UL << 13;
    /// <summary>Remote IRR: a level-triggered interrupt was accepted and its EOI has not come back. Read-only.</summary>
    public const ulong RemoteIrr = 1UL << 14;
    public const ulong LevelTriggered = 1UL << 15;
    public const ulong Masked = 1UL << 16;
    public const int DestinationShift = 56;
    /// <summary>What the guest may write: everything but delivery status and remote IRR.</summary>
    public const ulong Writable = ~(DeliveryStatus | RemoteIrr);
}
