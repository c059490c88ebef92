using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>
/// The 8254 PIT on the port bus (0x40-0x43), channel 0's OUT on the entry's interrupt line (IRQ 0).
/// Channel 2's GATE and OUT are reached through port 0x61, its <c>port61</c> window.
/// </summary>
[Device("i8254", Port = 0x40, Irq = 0, Description = "8254 PIT (ports 0x40-0x43, irq 0): modes 0-5, latch and read-back; port 0x61 (channel 2 gate/output, speaker, refresh toggle)")]
[DeviceWindow("port61", Port = 0x61, Description = "system control port B: channel 2 gate and output, speaker enable, refresh toggle")]
public sealed class I8254Device : IPortDevice, IDeviceState
{
    private readonly Pit8254 _pit;
    private readonly Func<int, byte> _readRegister;
    private readonly Action<int, byte> _writeRegister;

    public I8254Device(DeviceContext context)
    {
        _pit = new Pit8254(context.Clock, context.Irq);
        Speaker = new SpeakerPort(_pit, context.Clock);
        context.Windows.AddPorts("port61", Speaker);
        _readRegister = _pit.Read;
        _writeRegister = _pit.Write;
    }

    /// <summary>The timer model, for tests.</summary>
    public Pit8254 Pit => _pit;

    /// <summary>Port 0x61, for tests.</summary>
    public SpeakerPort Speaker { get; }

    public int PortCount => PitPort.Count;

    public uint Read(ushort offset, int size) => ByteRegisterPorts.Read(offset, size, PitPort.Count, _readRegister);

    public void Write(ushort offset, int size, uint value) => ByteRegisterPorts.Write(offset, size, value, PitPort.Count, _writeRegister);

    public int StateVersion => PitStateFormat.Version;

    public void SaveState(IStateWriter writer)
    {
        _pit.SaveState(writer);
        writer.WriteByte(Speaker.Control);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("i8254", version, PitStateFormat.Version);
        _pit.LoadState(reader);
        Speaker.Control = reader.ReadByte(); // channel 2's gate is in its saved counter state already
    }

    public void Reset()
    {
        _pit.Reset();
        Speaker.Reset();
    }

    public void Dispose() => _pit.Dispose();
}
