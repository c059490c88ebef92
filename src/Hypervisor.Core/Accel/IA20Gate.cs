namespace Hypervisor.Core.Accel;

/// <summary>
/// A vCPU whose physical addresses honour the A20 gate (the software CPU). KVM vCPUs do not
/// implement it: modern KVM always passes address line 20, as today's chipsets do.
/// </summary>
public interface IA20Gate
{
    /// <summary>False masks address bit 20, wrapping at 1 MiB as on an 8086.</summary>
    bool A20Enabled { get; set; }
}
