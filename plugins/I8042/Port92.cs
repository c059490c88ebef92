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

/// <summary>Port 0x92: bit 1 gates A20 (ORed with the keyboard controller's), bit 0 resets the machine.</summary>
[Device("port92", Description = "system control port A (0x92): fast A20 (bit 1) and fast reset (bit 0)")]
public sealed class Port92(DeviceContext context) : IPortDevice
{
    private readonly A20Gate _a20 = A20Gate.For(context);
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
        _a20.SetFast((b & Port92Bits.FastA20) != 0, context.Logger);
        if ((b & Port92Bits.FastReset) != 0)
        {
            context.Logger.Information("Fast reset through port 0x92");
            context.Vm.RequestReset("port 0x92 fast reset");
        }
    }

    public void Reset()
    {
        lock (_lock)
            _value = 0;
        _a20.SetFast(false, context.Logger);
    }
}
