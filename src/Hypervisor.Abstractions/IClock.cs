namespace Hypervisor.Abstractions;

/// <summary>
/// Guest-visible time. In <c>host</c> mode it follows the host's monotonic clock; in
/// <c>deterministic</c> mode it advances with executed instructions, so a guest always sees the
/// same timing.
/// </summary>
public interface IClock
{
    /// <summary>Nanoseconds since the machine powered on.</summary>
    long NowNanoseconds { get; }
}
