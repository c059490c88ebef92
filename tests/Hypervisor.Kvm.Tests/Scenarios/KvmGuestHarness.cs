using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Boot;

namespace Hypervisor.Kvm.Tests.Scenarios;

/// <summary>
/// A one-vCPU KVM machine for a scenario: RAM, an image in it, entry registers, and Run with a
/// watchdog that uses RequestExit so a wrong guest can never hang a test.
/// </summary>
public sealed class KvmGuestHarness : IDisposable
{
    private readonly TimeSpan _watchdog;

    public KvmGuestHarness(KvmAccelerator kvm, ulong memoryBytes, KvmVmOptions? options = null, TimeSpan? watchdog = null)
        : this(kvm, [(0UL, memoryBytes)], options, watchdog)
    {
    }

    public KvmGuestHarness(KvmAccelerator kvm, IEnumerable<(ulong Base, ulong Size)> ram, KvmVmOptions? options = null, TimeSpan? watchdog = null)
    {
        _watchdog = watchdog ?? TimeSpan.FromSeconds(20);
        Memory = new GuestMemory(ram);
        Vm = kvm.CreateVm(Memory, options ?? KvmVmOptions.Default);
        Vcpu = Vm.CreateVcpu(0);
    }

    public GuestMemory Memory { get; }

    public KvmVm Vm { get; }

    public KvmVcpu Vcpu { get; }

    public VcpuExit Exit => Vcpu.Exit;

    /// <summary>True when the last <see cref="Run"/> was ended by the watchdog.</summary>
    public bool WatchdogFired { get; private set; }

    public void Load(string guest, ulong address) => Memory.Write(address, GuestImages.Load(guest));

    /// <summary>Real-mode entry at CS:IP with the given data/stack segment.</summary>
    public void EnterRealMode(ushort cs, ushort ip, ushort ds = 0, ulong rax = 0, ulong rbx = 0, ulong rsp = 0)
    {
        Vcpu.SetSpecialRegisters(EntryStates.RealMode(cs, ds));
        Vcpu.SetRegisters(new VcpuRegisters { Rip = ip, Rax = rax, Rbx = rbx, Rsp = rsp, Rflags = X86Bits.RflagsReserved });
    }

    /// <summary>Runs until the next exit; fails the scenario if the watchdog had to stop the guest.</summary>
    public VcpuExitReason Run()
    {
        using var watchdog = new Timer(_ => { WatchdogFired = true; Vcpu.RequestExit(); }, null, _watchdog, Timeout.InfiniteTimeSpan);
        var reason = Vcpu.Run();
        watchdog.Dispose();
        if (reason == VcpuExitReason.Intr && WatchdogFired)
            throw new ScenarioFailedException($"the guest did not exit within {_watchdog.TotalSeconds} s; {Vcpu.DescribeState()}");
        return reason;
    }

    /// <summary>Runs and requires an exit of <paramref name="expected"/> reason.</summary>
    public void RunExpecting(VcpuExitReason expected, string step)
    {
        var reason = Run();
        if (reason != expected)
            throw new ScenarioFailedException($"{step}: expected a {expected} exit, got {reason} {Exit.Message}; {Vcpu.DescribeState()}");
    }

    /// <summary>Runs and requires an OUT to <paramref name="port"/>; returns the value written.</summary>
    public uint RunExpectingOut(ushort port, string step)
    {
        RunExpecting(VcpuExitReason.Io, step);
        ScenarioFailedException.Expect(IoDirection.Out, Exit.IoDirection, $"{step}: direction");
        ScenarioFailedException.Expect(port, Exit.IoPort, $"{step}: port");
        var data = Exit.Data;
        uint value = 0;
        for (int i = Math.Min(data.Length, 4) - 1; i >= 0; i--)
            value = (value << 8) | data[i];
        return value;
    }

    public void Dispose()
    {
        Vm.Dispose();
        Memory.Dispose();
    }
}
