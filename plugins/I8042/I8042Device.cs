using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>
/// The 8042's status (read) and command (write) port, 0x64, with the keyboard interrupt on the
/// entry's line (IRQ 1). Its data port 0x60 is the <c>i8042-data</c> entry: 0x60 and 0x64 are not
/// contiguous, and 0x61 between them is the PIT's <c>pc-speaker-port</c>.
/// </summary>
[Device("i8042", Description = "8042 keyboard controller status/command port (0x64, irq 1): self-test, command byte, A20, reset (0xFE); data port via i8042-data at 0x60")]
public sealed class I8042Device : IPortDevice
{
    private readonly KeyboardController _controller;

    public I8042Device(DeviceContext context) => _controller = KeyboardControllerRegistry.Register(context);

    /// <summary>The controller model, for tests.</summary>
    public KeyboardController Controller => _controller;

    public int PortCount => 1;

    public uint Read(ushort offset, int size) => _controller.ReadStatus() | (size > 1 ? uint.MaxValue << 8 : 0);

    public void Write(ushort offset, int size, uint value) => _controller.WriteCommand((byte)value);

    public void Reset() => _controller.Reset();
}
