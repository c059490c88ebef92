using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>The reset control register's bits (Intel PIIX/ICH RCR, port 0xcf9).</summary>
public static class ResetControlBits
{
    /// <summary>SRST: the reset RST_CPU starts is a hard (system) reset rather than an INIT.</summary>
    public const byte SystemReset = 0x02;

    /// <summary>RST_CPU: a 0 to 1 transition starts the reset.</summary>
    public const byte ResetCpu = 0x04;

    /// <summary>FULL_RST: a full reset (power cycle) on ICH and later.</summary>
    public const byte FullReset = 0x08;

    public const byte Writable = SystemReset | FullReset;
}

/// <summary>
/// The reset control register at 0xcf9 (byte access): writing RST_CPU (0x06 hard, 0x0E full, 0x04
/// soft) resets the machine. On a machine with a <c>pci-host</c>, which claims 0xcf8-0xcff, the
/// host answers 0xcf9 itself; this entry is for machines without PCI configuration ports.
/// </summary>
[Device("reset-control", Port = 0xcf9, Description = "reset control register (0xcf9): writing 0x06 or 0x0E resets the machine")]
public sealed class ResetControl(DeviceContext context) : IPortDevice, IDeviceState
{
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
        bool reset;
        lock (_lock)
        {
            reset = (b & ResetControlBits.ResetCpu) != 0 && (_value & ResetControlBits.ResetCpu) == 0;
            _value = (byte)(b & ResetControlBits.Writable);
        }
        if (!reset)
            return;
        string kind = (b & ResetControlBits.FullReset) != 0 ? "full" : (b & ResetControlBits.SystemReset) != 0 ? "hard" : "soft";
        context.Logger.Information("Reset control register 0x{Value:x2}: {Kind} reset", b, kind);
        context.Vm.RequestReset($"0xcf9 {kind} reset (0x{b:X2})");
    }

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
            writer.WriteByte(_value);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("reset-control", version, StateVersion);
        byte value = reader.ReadByte();
        lock (_lock)
            _value = value;
    }

    public void Reset()
    {
        lock (_lock)
            _value = 0;
    }
}
