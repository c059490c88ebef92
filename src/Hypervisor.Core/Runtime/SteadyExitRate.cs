using System.Diagnostics;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The exit rate of a run with its start-up left out: exits counted from <see cref="WarmUp"/> after
/// the vCPUs started (thread start, the first KVM_RUN, the JIT's first passes over the loop) to the
/// stop. Per CPU second too (the process's user + system time, guest time included), which other load
/// on the host does not skew as it skews wall time: the figure the KVM test bed compares with its C probe.
/// </summary>
public sealed record SteadyExitRate(long Exits, TimeSpan Elapsed, TimeSpan CpuTime)
{
    /// <summary>How long after the start the count begins.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    public double PerSecond => Exits / Elapsed.TotalSeconds;

    public double PerCpuSecond => CpuTime > TimeSpan.Zero ? Exits / CpuTime.TotalSeconds : 0;

    /// <summary>Where the count starts; taken by the thread that waits for the stop, so the exit path pays nothing.</summary>
    public sealed class Mark(long exits)
    {
        private readonly long _timestamp = Stopwatch.GetTimestamp();
        private readonly TimeSpan _cpu = Environment.CpuUsage.TotalTime;

        /// <summary>The rate from this mark to now, with <paramref name="exitsNow"/> exits counted in all.</summary>
        public SteadyExitRate Until(long exitsNow)
            => new(exitsNow - exits, Stopwatch.GetElapsedTime(_timestamp), Environment.CpuUsage.TotalTime - _cpu);
    }
}
