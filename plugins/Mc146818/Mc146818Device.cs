using System.Globalization;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Rtc;

/// <summary>
/// The RTC/CMOS on the port bus (0x70-0x71), its interrupt on the entry's line (IRQ 8). The calendar
/// starts at the host's UTC time or at a fixed instant (for reproducible runs), and the CMOS
/// memory-size fields come from the <c>memorySize</c> option.
/// </summary>
[Device("mc146818", Port = 0x70, Irq = 8, Description = "MC146818 RTC and 128-byte CMOS (ports 0x70-0x71, irq 8)")]
[DeviceOption("time", "the calendar at power-on: \"host\" (the host's UTC time) or an ISO-8601 instant such as 2024-01-02T03:04:05Z", Default = "host")]
[DeviceOption("memorySize", "the machine's RAM in bytes (e.g. 64MiB): fills the CMOS base/extended memory fields; 0 leaves them zero", Default = "0")]
public sealed class Mc146818Device : IPortDevice, IDeviceState
{
    private readonly Mc146818 _rtc;
    private readonly Func<int, byte> _readRegister;
    private readonly Action<int, byte> _writeRegister;

    public Mc146818Device(DeviceContext context)
    {
        ulong memory = context.Options.GetUInt64("memorySize", 0);
        _rtc = new Mc146818(context.Clock, context.Irq, PowerOnTime(context.Options.GetString("time", "host")), CmosMemoryLayout.For(memory));
        _readRegister = _rtc.Read;
        _writeRegister = _rtc.Write;
    }

    /// <summary>The chip model, for tests.</summary>
    public Mc146818 Rtc => _rtc;

    public int PortCount => RtcPort.Count;

    public uint Read(ushort offset, int size) => ByteRegisterPorts.Read(offset, size, RtcPort.Count, _readRegister);

    public void Write(ushort offset, int size, uint value) => ByteRegisterPorts.Write(offset, size, value, RtcPort.Count, _writeRegister);

    public void Reset() => _rtc.Reset();

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) => _rtc.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("mc146818", version, StateVersion);
        _rtc.LoadState(reader);
    }

    public void Dispose() => _rtc.Dispose();

    private static DateTime PowerOnTime(string option)
    {
        if (option == "host")
            return DateTime.UtcNow;
        if (!DateTimeOffset.TryParse(option, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            throw new DeviceConfigurationException("time", $"'{option}' is neither \"host\" nor an ISO-8601 instant (e.g. 2024-01-02T03:04:05Z)");
        if (instant.UtcDateTime.Year is < 1900 or > 2099)
            throw new DeviceConfigurationException("time", $"{instant.UtcDateTime:yyyy} is outside the years the century byte can hold here (1900-2099)");
        var utc = instant.UtcDateTime;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, DateTimeKind.Utc);
    }
}
