using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The machine's interrupt controller: the cascaded 8259A pair. Its main range is the master's
/// ports (0x20-0x21); the slave's ports (0xa0-0xa1) and the ELCR (0x4d0-0x4d1) are its
/// <c>slave</c> and <c>elcr</c> windows, so one entry brings the whole pair. It takes IRQ lines
/// 0-15 from the machine, drives the CPU's INTR and answers the acknowledge cycle.
/// </summary>
[Device("i8259", Port = 0x20, Description = "8259A PIC pair: master 0x20, slave 0xa0, ELCR 0x4d0; takes IRQ 0-15")]
[DeviceWindow("slave", Port = 0xa0, Description = "the slave 8259A's command and data ports")]
[DeviceWindow("elcr", Port = 0x4d0, Description = "the edge/level control registers")]
public sealed class I8259Device : IPortDevice, IInterruptController, IDeviceState
{
    private readonly PicPair _pair;

    public I8259Device(DeviceContext context)
    {
        _pair = new PicPair();
        context.Windows.AddPorts("slave", new SlavePorts(_pair));
        context.Windows.AddPorts("elcr", new ElcrPorts(_pair));
    }

    /// <summary>The pair behind the ports, for tests.</summary>
    public PicPair Pair => _pair;

    public int PortCount => PicPort.Count;

    public bool HasPendingInterrupt => _pair.InterruptRequested;

    public byte Acknowledge() => _pair.Acknowledge();

    public void SetInput(int line, bool level) => _pair.SetInput(line, level);

    public uint Read(ushort offset, int size)
        => ByteRegisterPorts.Read(offset, size, PicPort.Count, port => _pair.ReadPort(slave: false, port));

    public void Write(ushort offset, int size, uint value)
        => ByteRegisterPorts.Write(offset, size, value, PicPort.Count, (port, b) => _pair.WritePort(slave: false, port, b));

    public int StateVersion => PicStateFormat.Version;

    public void SaveState(IStateWriter writer) => _pair.SaveState(writer);

    public void LoadState(IStateReader reader, int version) => _pair.LoadState(reader, version);

    /// <summary>Power-on state for both chips and the ELCR.</summary>
    public void Reset() => _pair.Reset();
}
