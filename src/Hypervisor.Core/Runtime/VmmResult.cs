namespace Hypervisor.Core.Runtime;

/// <summary>
/// How a run ended: the process exit code, why, and the exit statistics (with the steady rate when the
/// run outlasted the warm-up, and the lines raised through irqfd with their counts).
/// </summary>
public sealed record VmmResult(int ExitCode, string Reason, ExitStatistics Exits, TimeSpan Elapsed, ulong? InstructionsRetired,
    SteadyExitRate? Steady = null)
{
    /// <summary>Each vCPU's own share, in vCPU order (<c>--stats</c> lists them when there are several).</summary>
    public IReadOnlyList<VcpuResult> Vcpus { get; init; } = [];

    /// <summary>The interrupt lines raised through the accelerator's resampled triggers (KVM's irqfd), and how often.</summary>
    public IReadOnlyList<(int Line, long Raises)> ResampledIrqs { get; init; } = [];
}

/// <summary>One vCPU's part of a run: its exits by reason and, on an accelerator that counts them, its instructions.</summary>
public sealed record VcpuResult(int Id, ExitStatistics Exits, ulong? InstructionsRetired);
