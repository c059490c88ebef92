using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>
/// The 8042 keyboard controller: its main range is the status (read) and command (write) port,
/// 0x64, and its data port 0x60 is its <c>data</c> window (the two are not contiguous: 0x61 between
/// them is the PIT's port B). The keyboard interrupt is the entry's line (IRQ 1); the output port
/// drives the machine's A20 gate and reset line.
/// </summary>
[Device("i8042", Port = 0x64, Irq = 1, Description = "8042 keyboard controller (status/command 0x64, data 0x60, irq 1): self-test, command byte, A20, reset (0xFE)")]
[DeviceWindow("data", Port = 0x60, Description = "the data port: output buffer, command parameters, keyboard bytes")]
public sealed class I8042Device : IPortDevice, IDeviceState
{
    private readonly KeyboardController _controller;

    public I8042Device(DeviceContext context)
    {
        _controller = new KeyboardController(context.Irq, context.Vm, context.A20, context.Logger);
        context.Windows.AddPorts("data", new DataPort(_controller));
    }

    /// <summary>The controller model, for tests.</summary>
    public KeyboardController Controller => _controller;

    public int PortCount => 1;

    public uint Read(ushort offset, int size) => _controller.ReadStatus() | (size > 1 ? uint.MaxValue << 8 : 0);

    public void Write(ushort offset, int size, uint value) => _controller.WriteCommand((byte)value);

    public void Reset() => _controller.Reset();

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) => _controller.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("i8042", version, StateVersion);
        _controller.LoadState(reader);
    }
}
