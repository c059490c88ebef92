using BenchmarkDotNet.Attributes;
using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;
using Serilog;

namespace Hypervisor.Benchmarks;

/// <summary>
/// The VMM's share of a KVM exit, without KVM: <see cref="VcpuLoop"/> takes each exit of a replayed
/// vCPU (<see cref="ReplayIoVcpu"/>: the counter guest's 16-bit OUT to port 0x10, as KVM_EXIT_IO
/// reports it), counts it, dispatches it through the port bus to the port logger on the null backend
/// (configs/counter.json as scripts/kvm-testbed/exit-rate.sh runs it) and runs the due timers. What
/// this costs per exit is what minivmm adds to the C probe's KVM_RUN loop, besides the P/Invoke.
/// </summary>
[MemoryDiagnoser]
public class ExitLoopBenchmarks
{
    private const int ExitsPerInvoke = 4096;
    private const ushort Counter = 0x10;

    private readonly PortBus _ports = new();
    private readonly MmioBus _mmio = new();
    private readonly GuestMemory _memory = new([(0x1000, 0x1000)]);
    private readonly HostClock _clock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly ReplayIoVcpu _vcpu = new(Counter);

    [GlobalSetup]
    public void Setup()
    {
        var harness = DeviceHarness.Create<PortLogger>(new() { ["backend"] = "null" });
        var logger = new PortLogger(new DeviceContext
        {
            Name = "counter",
            Options = harness.Options,
            Logger = new LoggerConfiguration().MinimumLevel.Information().CreateLogger(),
            Memory = harness.Memory,
            Clock = harness.Clock,
            Vm = harness.Vm,
            Pci = harness.Pci,
            A20 = harness.A20,
            PortBase = Counter,
            OpenBackend = harness.Context.OpenBackend,
        });
        _ports.Register(Counter, logger, "counter");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vcpu.Dispose();
        _memory.Dispose();
        _clock.Dispose();
    }

    /// <summary>Baseline: the replayed vCPU alone, what the loop's own work is measured against.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ExitsPerInvoke)]
    public long Replayed_vcpu_alone()
    {
        _vcpu.Rewind(ExitsPerInvoke);
        long sum = 0;
        while (_vcpu.Run() == Core.Accel.VcpuExitReason.Io)
            sum += _vcpu.Exit.IoPort;
        return sum;
    }

    /// <summary>One exit through the whole loop: count, dispatch, device, timers.</summary>
    [Benchmark(OperationsPerInvoke = ExitsPerInvoke)]
    public int Exit_loop_out16_port_logger()
    {
        var control = new MachineControl();
        _vcpu.Rewind(ExitsPerInvoke);
        new VcpuLoop(_vcpu, _ports, _mmio, _memory, control, _clock, _wake, Serilog.Core.Logger.None).Run();
        return control.ExitCode;
    }
}
