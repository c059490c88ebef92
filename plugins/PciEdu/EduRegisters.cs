namespace MiniVmm.Devices.Edu;

/// <summary>The edu device's identity and BAR 0 registers, as QEMU's docs/specs/edu.rst defines them.</summary>
public static class EduRegisters
{
    public const ushort VendorId = 0x1234;   // PCI_VENDOR_ID_QEMU
    public const ushort DeviceId = 0x11e8;
    public const byte Revision = 0x10;
    /// <summary>Class 0x00, subclass 0xff (PCI_CLASS_OTHERS as QEMU encodes it), programming interface 0.</summary>
    public const uint ClassCode = 0x00_ff_00;
    /// <summary>INTA#.</summary>
    public const byte InterruptPin = 1;
    /// <summary>BAR 0: 1 MiB of 32-bit, non-prefetchable memory.</summary>
    public const ulong BarSize = 1 << 20;

    /// <summary>0x00 (RO): 0xRRrr00ed, major version RR, minor rr.</summary>
    public const ulong Identification = 0x00;
    /// <summary>0x04 (RW): reads back the bitwise inverse of what was written.</summary>
    public const ulong Liveness = 0x04;
    /// <summary>0x08 (RW): write n, wait for <see cref="EduStatus.Computing"/> to clear, read n!.</summary>
    public const ulong Factorial = 0x08;
    /// <summary>0x20 (RW): <see cref="EduStatus"/>.</summary>
    public const ulong Status = 0x20;
    /// <summary>0x24 (RO): the bits that raised the interrupt.</summary>
    public const ulong InterruptStatus = 0x24;
    /// <summary>0x60 (WO): ORs the value into the interrupt status and raises the interrupt.</summary>
    public const ulong InterruptRaise = 0x60;
    /// <summary>0x64 (WO): clears the value's bits from the interrupt status; the line drops at 0.</summary>
    public const ulong InterruptAcknowledge = 0x64;
    public const ulong DmaSource = 0x80;
    public const ulong DmaDestination = 0x88;
    public const ulong DmaCount = 0x90;
    /// <summary>0x98 (RW): <see cref="EduDmaCommand"/>.</summary>
    public const ulong DmaCommand = 0x98;
    /// <summary>Below this offset only dword accesses work; from it, dword and qword.</summary>
    public const ulong QwordRegistersStart = 0x80;

    /// <summary>Version 1.0.</summary>
    public const uint IdentificationValue = 0x010000ed;

    /// <summary>The device's DMA buffer, seen at this offset in DMA addresses only (not through the BAR).</summary>
    public const ulong DmaBufferStart = 0x40000;
    public const int DmaBufferSize = 4096;

    /// <summary>Interrupt status bits the device raises itself.</summary>
    public const uint FactorialInterrupt = 0x001;
    public const uint DmaInterrupt = 0x100;
}

/// <summary>Bits of the status register at 0x20.</summary>
public static class EduStatus
{
    /// <summary>A factorial is being computed (read only).</summary>
    public const uint Computing = 0x01;
    /// <summary>Raise <see cref="EduRegisters.FactorialInterrupt"/> when a factorial is done.</summary>
    public const uint InterruptOnFactorial = 0x80;
}

/// <summary>Bits of the DMA command register at 0x98.</summary>
public static class EduDmaCommand
{
    /// <summary>Start the transfer; reads 1 until it is done.</summary>
    public const ulong Run = 0x1;
    /// <summary>0: from RAM to the device's buffer; 1: from the buffer to RAM.</summary>
    public const ulong ToRam = 0x2;
    /// <summary>Raise <see cref="EduRegisters.DmaInterrupt"/> when the transfer is done.</summary>
    public const ulong Interrupt = 0x4;
}
