using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Runtime;

/// <summary>Exit counts by reason for one vCPU; summed for <c>--stats</c> (like kvm_stat).</summary>
public sealed class ExitStatistics
{
    private readonly long[] _byReason = new long[32];

    public void Count(VcpuExitReason reason) => _byReason[(int)reason & 31]++;

    public long this[VcpuExitReason reason] => _byReason[(int)reason & 31];

    public long Total => _byReason.Sum();

    public IEnumerable<(VcpuExitReason Reason, long Count)> NonZero() =>
        Enum.GetValues<VcpuExitReason>().Where(r => this[r] > 0).Select(r => (r, this[r]));

    public void Add(ExitStatistics other)
    {
        for (int i = 0; i < _byReason.Length; i++)
            _byReason[i] += other._byReason[i];
    }
}
