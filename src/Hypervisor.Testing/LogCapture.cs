using Serilog.Core;
using Serilog.Events;

namespace Hypervisor.Testing;

/// <summary>A Serilog sink that keeps every event the device logged.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly object _lock = new();
    private readonly List<LogEvent> _events = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
                return _events.ToArray();
        }
    }

    /// <summary>The rendered messages (properties substituted) of events at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<string> Messages(LogEventLevel level = LogEventLevel.Verbose)
        => Events.Where(e => e.Level >= level).Select(e => e.RenderMessage()).ToArray();

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
            _events.Add(logEvent);
    }
}
