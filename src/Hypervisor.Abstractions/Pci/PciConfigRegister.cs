namespace Hypervisor.Abstractions.Pci;

/// <summary>Offsets of the type 0 configuration header (PCI Local Bus Specification 3.0, section 6.1).</summary>
public static class PciConfigRegister
{
    public const int VendorId = 0x00;
    public const int DeviceId = 0x02;
    public const int Command = 0x04;
    public const int Status = 0x06;
    public const int RevisionId = 0x08;
    public const int ClassCode = 0x09;
    public const int CacheLineSize = 0x0c;
    public const int LatencyTimer = 0x0d;
    public const int HeaderType = 0x0e;
    public const int Bar0 = 0x10;
    public const int SubsystemVendorId = 0x2c;
    public const int SubsystemId = 0x2e;
    public const int CapabilitiesPointer = 0x34;
    public const int InterruptLine = 0x3c;
    public const int InterruptPin = 0x3d;
}

/// <summary>Command register bits.</summary>
public static class PciCommand
{
    public const ushort IoSpace = 0x0001;
    public const ushort MemorySpace = 0x0002;
    public const ushort BusMaster = 0x0004;
    public const ushort ParityErrorResponse = 0x0040;
    public const ushort SerrEnable = 0x0100;
    public const ushort InterruptDisable = 0x0400;

    /// <summary>The bits a function here implements.</summary>
    public const ushort Writable = IoSpace | MemorySpace | BusMaster | ParityErrorResponse | SerrEnable | InterruptDisable;
}

/// <summary>The low bits of a BAR that say what it decodes (read only).</summary>
public static class PciBarBits
{
    public const uint Io = 0x1;
    public const uint Memory64 = 0x4;
    public const uint Prefetchable = 0x8;
    public const uint IoFlagsMask = 0x3;
    public const uint MemoryFlagsMask = 0xf;
}
