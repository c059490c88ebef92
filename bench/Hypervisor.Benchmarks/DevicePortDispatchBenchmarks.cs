using BenchmarkDotNet.Attributes;
using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;
using MiniVmm.Devices.Serial;
using Serilog;

namespace Hypervisor.Benchmarks;

/// <summary>
/// Port dispatch: a guest OUT/IN as the exit loop hands it to the PortBus, through the O(1) owner
/// table to the device's offset-relative handler and back. The baseline calls the device directly,
/// so the difference is the bus's cost.
/// </summary>
[MemoryDiagnoser]
public class DevicePortDispatchBenchmarks
{
    private const int AccessesPerInvoke = 4096;
    private const ushort Com1 = 0x3f8;
    private const ushort Counter = 0x10;
    private const ushort Latch = 0x80;
    private const ushort Nobody = 0x1234;

    private readonly PortBus _bus = new();
    private readonly LatchPort _latch = new();
    private DeviceHarness<Uart16550Device> _uart = null!;
    private PortLogger _portLogger = null!;

    [GlobalSetup]
    public void Setup()
    {
        _uart = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "null" });
        var harness = DeviceHarness.Create<PortLogger>(new() { ["backend"] = "null" });
        // The logger's Information events are what a user sees; measure the device, not the console.
        _portLogger = new PortLogger(new DeviceContext
        {
            Name = "counter",
            Options = harness.Options,
            Logger = new LoggerConfiguration().MinimumLevel.Warning().CreateLogger(),
            Memory = harness.Memory,
            Clock = harness.Clock,
            Vm = harness.Vm,
            Pci = harness.Pci,
            A20 = harness.A20,
            PortBase = Counter,
            OpenBackend = harness.Context.OpenBackend,
        });
        _bus.Register(Latch, _latch, "latch");
        _bus.Register(Com1, _uart.Device, "com1");
        _bus.Register(Counter, _portLogger, "counter");
    }

    [GlobalCleanup]
    public void Cleanup() => _uart.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = AccessesPerInvoke)]
    public uint Direct_call_out_then_in()
    {
        uint sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
        {
            _latch.Write(0, 1, (uint)i);
            sum += _latch.Read(0, 1);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public uint Bus_out_then_in_latch()
    {
        uint sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
        {
            _bus.Write(Latch, 1, (uint)i);
            sum += _bus.Read(Latch, 1);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public uint Bus_out_thr_then_in_lsr_uart()
    {
        uint sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
        {
            _bus.Write(Com1, 1, (uint)(i & 0x7f));
            sum += _bus.Read((ushort)(Com1 + UartRegister.LineStatus), 1);
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public void Bus_out16_port_logger()
    {
        for (int i = 0; i < AccessesPerInvoke; i++)
            _bus.Write(Counter, 2, (uint)i);
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public uint Bus_in_unclaimed()
    {
        uint sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
            sum += _bus.Read(Nobody, 1);
        return sum;
    }

    /// <summary>The cheapest possible device: one byte that reads back what was written.</summary>
    private sealed class LatchPort : IPortDevice
    {
        private uint _value;

        public int PortCount => 1;

        public uint Read(ushort offset, int size) => _value;

        public void Write(ushort offset, int size, uint value) => _value = value;
    }
}
