using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Tests.Scenarios;

namespace Hypervisor.Kvm.Tests;

public sealed class KvmNoAllocationTests
{
    [KvmFact]
    public void Io_exits_allocate_nothing()
    {
        using var kvm = KvmAccelerator.Open();
        using var h = new KvmGuestHarness(kvm, 0x20000);
        h.Load("counter", 0x10000);
        h.EnterRealMode(cs: 0x1000, ip: 0, ds: 0x1000);
        var vcpu = h.Vcpu;
        for (int i = 0; i < 100; i++)
            vcpu.Run(); // warm up: JIT, tiering

        long before = GC.GetAllocatedBytesForCurrentThread();
        int sum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (vcpu.Run() != VcpuExitReason.Io)
                throw new InvalidOperationException($"unexpected exit {vcpu.Exit.Reason}");
            sum += vcpu.Exit.Data[0];
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.NotEqual(0, sum);
    }
}

public sealed class KvmVcpuLifetimeTests
{
    [KvmFact]
    public void RequestExit_after_Dispose_is_ignored()
    {
        using var kvm = KvmAccelerator.Open();
        var h = new KvmGuestHarness(kvm, 0x4000);
        var vcpu = h.Vcpu;
        h.Dispose();
        vcpu.RequestExit(); // must not touch the unmapped kvm_run
        vcpu.Dispose();     // idempotent
    }
}
