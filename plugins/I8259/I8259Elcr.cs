using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The edge/level control registers (ELCR, ports 0x4d0-0x4d1, from the PIIX/EISA chipsets): one bit
/// per IRQ, 1 = level triggered. IRQ 0, 1, 2, 8 and 13 are always edge triggered and read as 0.
/// </summary>
[Device("i8259-elcr", Description = "edge/level control registers (0x4d0-0x4d1) of the machine's i8259 pair")]
public sealed class I8259Elcr(DeviceContext context) : IPortDevice
{
    /// <summary>One register per chip.</summary>
    public const int RegisterCount = 2;

    private readonly PicPair _pair = PicPairRegistry.For(context);

    public int PortCount => RegisterCount;

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, RegisterCount, _pair.ReadElcr);

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, RegisterCount, _pair.WriteElcr);
}
