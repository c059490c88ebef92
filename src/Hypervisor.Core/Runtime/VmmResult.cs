namespace Hypervisor.Core.Runtime;

/// <summary>
/// How a run ended: the process exit code, why, and the exit statistics (with the steady rate when the
/// run outlasted the warm-up, and the lines raised through irqfd with their counts).
/// </summary>
public sealed record VmmResult(int ExitCode, string Reason, ExitStatistics Exits, TimeSpan Elapsed, ulong? InstructionsRetired,
    SteadyExitRate? Steady = null)
{
    /// <summary>The interrupt lines raised through the accelerator's resampled triggers (KVM's irqfd), and how often.</summary>
    public IReadOnlyList<(int Line, long Raises)> ResampledIrqs { get; init; } = [];
}
