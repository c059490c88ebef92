namespace Hypervisor.Core.Runtime;

/// <summary>How a run ended: the process exit code, why, and the exit statistics (with the steady rate when the run outlasted the warm-up).</summary>
public sealed record VmmResult(int ExitCode, string Reason, ExitStatistics Exits, TimeSpan Elapsed, ulong? InstructionsRetired,
    SteadyExitRate? Steady = null);
