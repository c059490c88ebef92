using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Pci;

/// <summary>CONFIG_ADDRESS (0xcf8) of configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2).</summary>
public static class ConfigAddress
{
    /// <summary>Bit 31: 1 turns accesses to CONFIG_DATA into configuration cycles.</summary>
    public const uint Enable = 0x8000_0000;

    public const int BusShift = 16;
    public const int DeviceShift = 11;
    public const int FunctionShift = 8;

    /// <summary>Bits 7:2: the dword register.</summary>
    public const uint RegisterMask = 0xfc;

    /// <summary>The bits that hold a value (31, 23:2); bits 30:24 and 1:0 read as 0.</summary>
    public const uint Implemented = 0x80ff_fffc;

    public static PciAddress Function(uint address)
        => new((byte)(address >> BusShift), (byte)((address >> DeviceShift) & 0x1f), (byte)((address >> FunctionShift) & 0x7));

    public static uint For(PciAddress function, int register)
        => Enable | (uint)function.Bus << BusShift | (uint)function.Device << DeviceShift | (uint)function.Function << FunctionShift | ((uint)register & RegisterMask);
}

/// <summary>The host's eight ports from 0xcf8.</summary>
public static class PciHostPort
{
    /// <summary>CONFIG_ADDRESS: a dword at offset 0 (0xcf8).</summary>
    public const int Address = 0;

    /// <summary>The reset control register shares 0xcf9 (byte accesses) on PIIX chipsets.</summary>
    public const int ResetControl = 1;

    /// <summary>CONFIG_DATA: offsets 4-7 (0xcfc-0xcff), any width at any offset inside it.</summary>
    public const int Data = 4;

    public const int Count = 8;
}

/// <summary>The reset control register bits at 0xcf9 (Intel PIIX RCR).</summary>
public static class ResetControlRegister
{
    public const byte SystemReset = 0x02;
    public const byte ResetCpu = 0x04;
    public const byte FullReset = 0x08;
    public const byte Writable = SystemReset | FullReset;
}
