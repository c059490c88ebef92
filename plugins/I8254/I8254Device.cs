using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>
/// The 8254 PIT on the port bus (0x40-0x43), channel 0's OUT on the entry's interrupt line (IRQ 0).
/// Channel 2's GATE and OUT are reached through the <c>pc-speaker-port</c> entry at 0x61.
/// </summary>
[Device("i8254", Description = "8254 PIT (ports 0x40-0x43, irq 0): modes 0-5, latch and read-back; channel 2 via pc-speaker-port at 0x61")]
public sealed class I8254Device : IPortDevice
{
    private readonly Pit8254 _pit;
    private readonly Func<int, byte> _readRegister;
    private readonly Action<int, byte> _writeRegister;

    public I8254Device(DeviceContext context)
    {
        _pit = PitRegistry.Register(context);
        _readRegister = _pit.Read;
        _writeRegister = _pit.Write;
    }

    /// <summary>The timer model, for tests.</summary>
    public Pit8254 Pit => _pit;

    public int PortCount => PitPort.Count;

    public uint Read(ushort offset, int size) => ByteRegisterPorts.Read(offset, size, PitPort.Count, _readRegister);

    public void Write(ushort offset, int size, uint value) => ByteRegisterPorts.Write(offset, size, value, PitPort.Count, _writeRegister);

    public void Reset() => _pit.Reset();

    public void Dispose() => _pit.Dispose();
}
