using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>The slave 8259A's command and data ports (0xa0-0xa1) of the machine's <c>i8259</c> pair.</summary>
[Device("i8259-slave-ports", Description = "the slave 8259A's ports (0xa0) of the machine's i8259 pair")]
public sealed class I8259SlavePorts(DeviceContext context) : IPortDevice
{
    private readonly PicPair _pair = PicPairRegistry.For(context);

    public int PortCount => PicPort.Count;

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, PicPort.Count, port => _pair.ReadPort(slave: true, port));

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, PicPort.Count, (port, b) => _pair.WritePort(slave: true, port, b));
}
