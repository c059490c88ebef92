using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;

namespace Hypervisor.X86;

/// <summary>The software vCPU's snapshot state: the CPU's own (<c>Cpu/CpuSnapshot.cs</c>).</summary>
public sealed partial class SoftVcpu : IVcpuState
{
    public int StateVersion => X86.Cpu.Cpu.SnapshotVersion;

    public void SaveState(IStateWriter writer) => _cpu.SaveSnapshot(writer);

    public void LoadState(IStateReader reader, int version) => _cpu.LoadSnapshot(reader, version);
}
