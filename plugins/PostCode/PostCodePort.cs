using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Post;

/// <summary>
/// The POST diagnostic port (0x80): firmware writes a progress code before each step of its power-on
/// self test, and a POST card shows the last one. Each code is logged at Information level with the
/// machine time it arrived, the way firmware developers read a boot; optionally also appended to a
/// JSON-lines file. Linux also writes port 0x80 as an I/O delay, so a code equal to the previous one
/// is only counted (and logged at Debug) unless <c>logRepeats</c> is set. Reads return the last code.
/// </summary>
[Device("post-code", Port = 0x80, Description = "POST code port (0x80): logs each code with the machine time; optional JSON-lines output")]
[DeviceOption("output", "file (relative to the machine file) receiving one JSON line per code: {\"timeNs\":1234,\"code\":\"0x2f\"}")]
[DeviceOption("logRepeats", "log a code equal to the previous one too (Linux uses port 0x80 as an I/O delay)", Default = "false")]
public sealed class PostCodePort : IPortDevice, IDeviceState
{
    private readonly object _lock = new();
    private readonly DeviceContext _context;
    private readonly PostCodeJournal? _journal;
    private readonly bool _logRepeats;
    private byte? _last;
    private long _repeats;

    public PostCodePort(DeviceContext context)
    {
        _context = context;
        _logRepeats = context.Options.GetBoolean("logRepeats", false);
        string output = context.Options.GetString("output", "");
        if (output.Length > 0)
            _journal = PostCodeJournal.Create(Path.GetFullPath(output, context.BaseDirectory));
    }

    public int PortCount => 1;

    /// <summary>The last code written, or null before the first.</summary>
    public byte? LastCode
    {
        get
        {
            lock (_lock)
                return _last;
        }
    }

    /// <summary>Writes that repeated the previous code.</summary>
    public long Repeats
    {
        get
        {
            lock (_lock)
                return _repeats;
        }
    }

    /// <summary>The last code and its repeat count; the journal file is the new run's own.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteBool(_last.HasValue);
            writer.WriteByte(_last ?? 0);
            writer.WriteInt64(_repeats);
        }
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("post-code", version, StateVersion);
        bool has = reader.ReadBool();
        byte last = reader.ReadByte();
        long repeats = reader.ReadInt64();
        lock (_lock)
        {
            _last = has ? last : null;
            _repeats = repeats;
        }
    }

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
            return (_last ?? 0xff) | (size > 1 ? uint.MaxValue << 8 : 0);
    }

    public void Write(ushort offset, int size, uint value)
    {
        byte code = (byte)value;
        long now = _context.Clock.NowNanoseconds;
        bool repeat;
        lock (_lock)
        {
            repeat = _last == code;
            _last = code;
            if (repeat)
                _repeats++;
            if (!repeat || _logRepeats)
                _journal?.Append(now, code);
        }
        if (repeat && !_logRepeats)
            _context.Logger.Debug("POST code 0x{Code:x2} again at {Time:0.000000} s", code, now / 1e9);
        else
            _context.Logger.Information("POST code 0x{Code:x2} at {Time:0.000000} s", code, now / 1e9);
    }

    public void Reset()
    {
        lock (_lock)
            _last = null;
    }

    public void Flush()
    {
        lock (_lock)
            _journal?.Flush();
    }

    public void Dispose()
    {
        lock (_lock)
            _journal?.Dispose();
    }
}
