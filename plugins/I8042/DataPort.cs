using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>The 8042's data port (0x60), its <c>data</c> window: the output buffer (read) and command parameters or keyboard bytes (write).</summary>
public sealed class DataPort(KeyboardController controller) : IPortDevice
{
    public int PortCount => 1;

    public uint Read(ushort offset, int size) => controller.ReadData() | (size > 1 ? uint.MaxValue << 8 : 0);

    public void Write(ushort offset, int size, uint value) => controller.WriteData((byte)value);
}
