using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>The 8042's data port (0x60): the output buffer (read) and command parameters or keyboard bytes (write).</summary>
[Device("i8042-data", Description = "the data port (0x60) of the machine's i8042")]
public sealed class I8042DataPort(DeviceContext context) : IPortDevice
{
    private readonly KeyboardController _controller = KeyboardControllerRegistry.Find(context);

    public int PortCount => 1;

    public uint Read(ushort offset, int size) => _controller.ReadData() | (size > 1 ? uint.MaxValue << 8 : 0);

    public void Write(ushort offset, int size, uint value) => _controller.WriteData((byte)value);
}
