using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>System control port A (0x92, "fast A20 and init"; PS/2 and Intel chipsets).</summary>
public static class Port92Bits
{
    /// <summary>Writing 1 resets the CPU (fast init); it reads back as 0.</summary>
    public const byte FastReset = 0x01;

    /// <summary>Enables address line 20.</summary>
    public const byte FastA20 = 0x02;
}

/// <summary>
/// Port 0x92, a chipset register apart from the 8042 (as in QEMU): bit 1 drives the machine's A20
/// gate (ORed with the keyboard controller's), bit 0 resets the machine.
/// </summary>
[Device("port92", Port = 0x92, Description = "system control port A (0x92): fast A20 (bit 1) and fast reset (bit 0)")]
public sealed class Port92(DeviceContext context) : IPortDevice, IDeviceState
{
    private readonly A20Gate _a20 = context.A20;
    private readonly object _lock = new();
    private byte _value;

    public int PortCount => 1;

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
            return _value | (size > 1 ? uint.MaxValue << 8 : 0);
    }

    public void Write(ushort offset, int size, uint value)
    {
        byte b = (byte)value;
        lock (_lock)
            _value = (byte)(b & ~Port92Bits.FastReset);
        SetFastA20((b & Port92Bits.FastA20) != 0);
        if ((b & Port92Bits.FastReset) != 0)
        {
            context.Logger.Information("Fast reset through port 0x92");
            context.Vm.RequestReset("port 0x92 fast reset");
        }
    }

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
            writer.WriteByte(_value);
    }

    /// <summary>Takes the saved value; the fast A20 input follows it.</summary>
    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("port92", version, StateVersion);
        byte value = reader.ReadByte();
        lock (_lock)
            _value = value;
        SetFastA20((value & Port92Bits.FastA20) != 0);
    }

    public void Reset()
    {
        lock (_lock)
            _value = 0;
        SetFastA20(false);
    }

    private void SetFastA20(bool enabled)
    {
        if (_a20.SetFast(enabled))
            context.Logger.Debug("A20 gate {State} by port 0x92", _a20.Enabled ? "enabled" : "disabled");
    }
}
