using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;
using Xunit;

namespace Hypervisor.Core.Tests.Runtime;

/// <summary>The exit loop alone (no accelerator): every port exit reaches its device, and an exit allocates nothing.</summary>
public sealed class VcpuLoopTests : IDisposable
{
    private const ushort CounterPort = 0x10;

    private readonly ReplayIoVcpu _vcpu = new(CounterPort);
    private readonly GuestMemory _memory = new([(0x1000, 0x1000)]);
    private readonly HostClock _clock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly PortBus _ports = new();
    private readonly CountingPort _device = new();

    public VcpuLoopTests() => _ports.Register(CounterPort, _device, "counter");

    [Fact]
    public void Every_port_exit_reaches_the_device_in_order_and_the_closing_hlt_stops_cleanly()
    {
        var control = RunExits(10_000);

        Assert.Equal(10_000, _device.Writes);
        Assert.Equal(9_999u, _device.LastValue);
        Assert.Equal(0, _device.OutOfOrder);
        Assert.True(control.IsStopping);
        Assert.Equal(ExitCodes.Success, control.ExitCode);
    }

    [Fact]
    public void A_port_exit_allocates_nothing()
    {
        RunExits(1_000); // JIT and tiering warm-up
        RunExits(1_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunExits(1_000);
        long few = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        RunExits(201_000);
        long many = GC.GetAllocatedBytesForCurrentThread() - before;

        // The same fixed cost (the loop, the stop's message) for 1 000 and 201 000 exits: none per exit.
        Assert.True(many - few <= 0, $"200 000 more exits allocated {many - few} more bytes ({few} for 1 000, {many} for 201 000)");
    }

    private MachineControl RunExits(long exits)
    {
        var control = new MachineControl();
        _vcpu.Rewind(exits);
        _device.Restart();
        new VcpuLoop(_vcpu, _ports, new MmioBus(), _memory, control, _clock, _wake, Serilog.Core.Logger.None).Run();
        return control;
    }

    public void Dispose()
    {
        _vcpu.Dispose();
        _memory.Dispose();
        _clock.Dispose();
        _wake.Dispose();
    }

    /// <summary>Counts writes and checks that the values count up as the replayed guest writes them.</summary>
    private sealed class CountingPort : IPortDevice
    {
        public int PortCount => 4;

        public long Writes { get; private set; }

        public uint LastValue { get; private set; }

        public long OutOfOrder { get; private set; }

        public void Restart() => (Writes, LastValue, OutOfOrder) = (0, 0, 0);

        public uint Read(ushort offset, int size) => LastValue;

        public void Write(ushort offset, int size, uint value)
        {
            if (value != (uint)(Writes & 0xffff)) // 16-bit OUTs: the count wraps as the counter guest's does
                OutOfOrder++;
            Writes++;
            LastValue = value;
        }
    }
}
