using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The machine's interrupt controller: the cascaded 8259A pair, entered at the master's ports
/// (0x20-0x21). It takes IRQ lines 0-15 from the machine, drives the CPU's INTR and answers the
/// acknowledge cycle. The slave's ports (0xa0) and the ELCR (0x4d0) are separate, non-contiguous
/// ranges, exposed by the companion entries <c>i8259-slave-ports</c> and <c>i8259-elcr</c>,
/// which reach the same pair through <see cref="PicPairRegistry"/>.
/// </summary>
[Device("i8259", Description = "8259A PIC pair (master ports 0x20; add i8259-slave-ports at 0xa0 and i8259-elcr at 0x4d0); takes IRQ 0-15")]
public sealed class I8259Device : IPortDevice, IInterruptController
{
    private readonly PicPair _pair;

    public I8259Device(DeviceContext context)
    {
        _pair = PicPairRegistry.For(context);
    }

    /// <summary>The pair behind the ports, for tests and the companions.</summary>
    public PicPair Pair => _pair;

    public int PortCount => PicPort.Count;

    public bool HasPendingInterrupt => _pair.InterruptRequested;

    public byte Acknowledge() => _pair.Acknowledge();

    public void SetInput(int line, bool level) => _pair.SetInput(line, level);

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, PicPort.Count, port => _pair.ReadPort(slave: false, port));

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, PicPort.Count, (port, b) => _pair.WritePort(slave: false, port, b));

    /// <summary>Power-on state for both chips and the ELCR (the companions share it and do not reset it again).</summary>
    public void Reset() => _pair.Reset();
}
