using System.Diagnostics;
using Serilog;

namespace MiniVmm;

/// <summary>
/// Where a run's start-up time goes: a timestamp per phase (command line parsed, machine file read,
/// plugins opened, accelerator chosen, machine built, guest started and stopped), logged at Debug
/// level when the run ends (<c>--log-level debug</c>). Marking costs one timestamp, so it is always on.
/// </summary>
internal static class StartupTrace
{
    private static readonly long Origin = Stopwatch.GetTimestamp();
    private static readonly List<(string Phase, long At, TimeSpan Cpu)> Marks = new(12);

    /// <summary>Records that <paramref name="phase"/> just finished, with the process's CPU time so far (load-independent).</summary>
    public static void Mark(string phase) => Marks.Add((phase, Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime));

    /// <summary>Logs the phases at Debug level, each with its own time and the time since the process started.</summary>
    public static void Log(ILogger logger)
    {
        if (!logger.IsEnabled(Serilog.Events.LogEventLevel.Debug))
            return;
        // The runtime's own start-up, before Main: from the process start time the kernel recorded.
        double beforeMain = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds - Stopwatch.GetElapsedTime(Origin).TotalMilliseconds;
        logger.Debug("Start-up: runtime before Main {Ms:0.0} ms", beforeMain);
        long previous = Origin;
        var previousCpu = TimeSpan.Zero;
        foreach (var (phase, at, cpu) in Marks)
        {
            logger.Debug("Start-up: {Phase} {Ms:0.0} ms, CPU {Cpu:0.0} ms (at {Total:0.0} ms, CPU {TotalCpu:0.0} ms)", phase,
                Stopwatch.GetElapsedTime(previous, at).TotalMilliseconds, (cpu - previousCpu).TotalMilliseconds,
                beforeMain + Stopwatch.GetElapsedTime(Origin, at).TotalMilliseconds, cpu.TotalMilliseconds);
            (previous, previousCpu) = (at, cpu);
        }
    }
}
