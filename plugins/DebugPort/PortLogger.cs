using System.Text.Unicode;
using Hypervisor.Abstractions;
using Serilog.Events;

namespace MiniVmm.Devices.Debug;

/// <summary>
/// Records every guest write to its ports: the seed's counter device. Each write is one line on its
/// backend (standard output by default, like any device's console: the writes are what this device
/// exists to show), e.g. <c>out port: 0x10, size: 2, data: 0x3</c>; optionally appended to a
/// JSON-lines file; and after <c>stopAfter</c> writes the VM is stopped cleanly (exit code 0).
/// Reads return the last value written (masked to the read's width).
/// </summary>
[Device("port-logger", Description = "prints every write (port, size, value) to a backend; optional JSON-lines file and stop after N writes")]
[DeviceOption("backend", "where the line per write goes: stdio, null, file:PATH, tcp:127.0.0.1:PORT, unix:PATH", Default = "stdio")]
[DeviceOption("count", "how many consecutive ports it claims (1-256)", Default = "4")]
[DeviceOption("output", "file (relative to the machine file) receiving one JSON line per write: {\"port\":16,\"size\":2,\"value\":3}")]
[DeviceOption("stopAfter", "stop the VM (exit code 0) after this many writes; 0 never stops", Default = "0")]
public sealed class PortLogger : IPortDevice, IDeviceState
{
    private const int MaxPortCount = 256;
    private const int MaxLineLength = 64; // "out port: 0xffff, size: 4, data: 0xffffffff\n" fits


    private readonly object _lock = new();
    private readonly DeviceContext _context;
    private readonly ushort _portBase;
    private readonly ulong _stopAfter;
    private readonly PortWriteJournal? _journal;
    private readonly ICharBackend _backend;
    private readonly bool _discardLines; // backend "null": no line to format per write
    private ulong _writes;
    private uint _lastValue;

    public PortLogger(DeviceContext context)
    {
        _context = context;
        _portBase = context.PortBase ?? 0;
        ulong count = context.Options.GetUInt64("count", 4);
        if (count is 0 or > MaxPortCount)
            throw new DeviceConfigurationException("count", $"{count} ports: expected 1 to {MaxPortCount}");
        PortCount = (int)count;
        _stopAfter = context.Options.GetUInt64("stopAfter", 0);
        string output = context.Options.GetString("output", "");
        if (output.Length > 0)
            _journal = PortWriteJournal.Create(Path.GetFullPath(output, context.BaseDirectory));
        _backend = context.OpenBackend("backend", "stdio");
        _discardLines = context.Options.GetString("backend", "stdio") == "null";
    }

    public int PortCount { get; }

    /// <summary>Writes seen so far.</summary>
    public ulong WriteCount
    {
        get
        {
            lock (_lock)
                return _writes;
        }
    }

    /// <summary>The write count (for stopAfter) and the last value; the journal file is the new run's own.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt64(_writes);
            writer.WriteUInt32(_lastValue);
        }
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("port-logger", version, StateVersion);
        lock (_lock)
        {
            _writes = reader.ReadUInt64();
            _lastValue = reader.ReadUInt32();
        }
    }

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
            return _lastValue & AccessSize.Mask(size);
    }

    public void Write(ushort offset, int size, uint value)
    {
        int port = _portBase + offset;
        value &= AccessSize.Mask(size);
        bool stop;
        if (_journal == null && _discardLines)
        {
            // Nothing to keep in order (configs/counter.json as exit-rate.sh runs it): no lock per exit.
            Volatile.Write(ref _lastValue, value);
            stop = Interlocked.Increment(ref _writes) == _stopAfter && _stopAfter != 0;
        }
        else
        {
            stop = WriteInOrder(port, size, value);
        }
        // Asked first: Debug<T0, T1, T2> is a generic interface method, looked up at run time on every call.
        if (_context.Logger.IsEnabled(LogEventLevel.Debug))
            _context.Logger.Debug("out port: {Port}, size: {Size}, data: {Value}", port, size, value);
        if (stop)
            _context.Vm.RequestStop(0, $"{_context.Name}: stopAfter reached ({_stopAfter} writes)");
    }

    // The line and the journal entry of each write, in the order of the writes; true when stopAfter is reached.
    private bool WriteInOrder(int port, int size, uint value)
    {
        bool stop;
        lock (_lock)
        {
            _lastValue = value;
            _writes++;
            _journal?.Append(port, size, value);
            if (!_discardLines)
                PrintLine(port, size, value);
            stop = _stopAfter != 0 && _writes == _stopAfter;
            if (stop)
            {
                _journal?.Flush();
                _backend.Flush();
            }
        }
        return stop;
    }

    private void PrintLine(int port, int size, uint value)
    {
        Span<byte> line = stackalloc byte[MaxLineLength];
        Utf8.TryWrite(line, $"out port: 0x{port:x}, size: {size}, data: 0x{value:x}\n", out int length);
        _backend.Write(line[..length]);
    }

    public void Flush()
    {
        lock (_lock)
        {
            _journal?.Flush();
            _backend.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _journal?.Dispose();
            _backend.Flush();
            _backend.Dispose();
        }
    }
}
