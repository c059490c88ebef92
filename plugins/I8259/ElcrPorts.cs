using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The edge/level control registers (ELCR, ports 0x4d0-0x4d1, from the PIIX/EISA chipsets), the
/// <c>i8259</c> pair's <c>elcr</c> window: one bit per IRQ, 1 = level triggered. IRQ 0, 1, 2, 8 and
/// 13 are always edge triggered and read as 0.
/// </summary>
public sealed class ElcrPorts(PicPair pair) : IPortDevice
{
    /// <summary>One register per chip.</summary>
    public const int RegisterCount = 2;

    public int PortCount => RegisterCount;

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, RegisterCount, pair.ReadElcr);

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, RegisterCount, pair.WriteElcr);
}
