using System.Diagnostics;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>Guest time that follows the host's monotonic clock from power-on.</summary>
public sealed class HostClock : IClock
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public long NowNanoseconds => (long)(Stopwatch.GetElapsedTime(_start).Ticks * 100);
}
