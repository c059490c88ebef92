using Hypervisor.Abstractions;

namespace Hypervisor.Core.Accel;

/// <summary>
/// A vCPU whose complete state can be saved into a snapshot and loaded back (the software CPU:
/// registers, caches of segments, control, debug and FPU registers, pending events, the retired
/// instruction count). Called only while the vCPU's thread is parked outside <see cref="IVcpu.Run"/>,
/// between two instructions. An accelerator whose vCPUs lack it cannot be snapshotted.
/// </summary>
public interface IVcpuState
{
    /// <summary>The layout version of what <see cref="SaveState"/> writes.</summary>
    int StateVersion { get; }

    void SaveState(IStateWriter writer);

    /// <summary>Loads what a vCPU of <paramref name="version"/> saved; throws <see cref="StateFormatException"/> on a layout it cannot read.</summary>
    void LoadState(IStateReader reader, int version);
}
