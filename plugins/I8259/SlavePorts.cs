using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>The slave 8259A's command and data ports (0xa0-0xa1): the <c>i8259</c> pair's <c>slave</c> window.</summary>
public sealed class SlavePorts(PicPair pair) : IPortDevice
{
    public int PortCount => PicPort.Count;

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, PicPort.Count, port => pair.ReadPort(slave: true, port));

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, PicPort.Count, (port, b) => pair.WritePort(slave: true, port, b));
}
