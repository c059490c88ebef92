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

    public I8254Device(DeviceContext context) => _pit = PitRegistry.Register(context);

    /// <summary>The timer model, for tests.</summary>
    public Pit8254 Pit => _pit;

    public int PortCount => PitPort.Count;

    public uint Read(ushort offset, int size)
    {
        uint value = 0;
        for (int i = 0; i < size; i++)
            value |= (offset + i < PitPort.Count ? _pit.Read(offset + i) : 0xffu) << (8 * i);
        return value;
    }

    public void Write(ushort offset, int size, uint value)
    {
        for (int i = 0; i < size && offset + i < PitPort.Count; i++)
            _pit.Write(offset + i, (byte)(value >> (8 * i)));
    }

    public void Reset() => _pit.Reset();

    public void Dispose() => _pit.Dispose();
}
