using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace MiniVmm;

/// <summary>Serilog set-up: logs go to stderr (or a file), never to stdout, which carries guest output.</summary>
internal static class Logging
{
    private const string Template = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>The switch the machine file's log level can raise or lower after start-up.</summary>
    public static LoggingLevelSwitch Level { get; } = new(LogEventLevel.Warning);

    public static ILogger Create(string? logFile)
    {
        var config = new LoggerConfiguration()
            .MinimumLevel.ControlledBy(Level)
            .Enrich.WithProperty("SourceContext", "minivmm");
        config = logFile != null
            ? config.WriteTo.File(logFile, outputTemplate: Template)
            : config.WriteTo.Console(outputTemplate: Template, standardErrorFromLevel: LogEventLevel.Verbose);
        return config.CreateLogger();
    }

    public static bool TryParseLevel(string? text, out LogEventLevel level)
    {
        level = LogEventLevel.Warning;
        return text != null && Enum.TryParse(text, ignoreCase: true, out level) && Enum.IsDefined(level);
    }
}
