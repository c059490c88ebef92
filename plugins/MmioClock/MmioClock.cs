using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Samples;

/// <summary>
/// A free-running counter on the MMIO bus: the machine's clock in ticks of <c>tick</c> nanoseconds
/// since power-on. A 32-bit guest reads COUNT_LO first, which latches COUNT_HI, so the two halves
/// always belong to the same instant. The register window is read-only; writes are ignored.
/// </summary>
[Device("mmio-clock", Description = "sample MMIO device: a 64-bit counter of the machine's clock")]
[DeviceOption("tick", "nanoseconds per count (1 = a nanosecond counter, 1000000 = milliseconds)", Default = "1")]
public sealed class MmioClock : IMmioDevice, IDeviceState
{
    /// <summary>Register offsets inside the 16-byte window.</summary>
    public static class Register
    {
        public const ulong CountLow = 0x0;
        public const ulong CountHigh = 0x4;
        /// <summary>Counts per second, so a guest can convert without knowing the option.</summary>
        public const ulong Frequency = 0x8;
        public const ulong Size = 0x10;
    }

    private readonly DeviceContext _context;
    private readonly ulong _tick;
    private uint _latchedHigh;

    public MmioClock(DeviceContext context)
    {
        _context = context;
        _tick = context.Options.GetUInt64("tick", 1);
        if (_tick is 0 or > 1_000_000_000)
            throw new DeviceConfigurationException("tick", $"{_tick} ns: expected 1 to 1000000000 (one second)");
    }

    public ulong MmioSize => Register.Size;

    public ulong Count => (ulong)_context.Clock.NowNanoseconds / _tick;

    public ulong Read(ulong offset, int size)
    {
        ulong value = (offset, size) switch
        {
            (Register.CountLow, 8) => Count,
            (Register.CountLow, _) => LatchAndReadLow(),
            (Register.CountHigh, _) => _latchedHigh,
            (Register.Frequency, _) => 1_000_000_000 / _tick,
            _ => 0,
        };
        return size == 8 ? value : value & ((1UL << (8 * size)) - 1);
    }

    public void Write(ulong offset, int size, ulong value)
        => _context.Logger.Debug("ignored write of 0x{Value:x} to read-only offset 0x{Offset:x}", value, offset);

    /// <summary>The latched high half (state version 1); the count is the machine clock's.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) => writer.WriteUInt32(_latchedHigh);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("mmio-clock", version, StateVersion);
        _latchedHigh = reader.ReadUInt32();
    }

    private ulong LatchAndReadLow()
    {
        ulong count = Count;
        _latchedHigh = (uint)(count >> 32);
        return (uint)count;
    }
}
