using System.Text;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioConsole;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioConsole;

/// <summary>virtio-console on virtio-mmio: transmitq to the backend, backend input into receiveq buffers.</summary>
public sealed class VirtioConsoleTests : IDisposable
{
    private const ulong Window = 0xd000_1000;
    private readonly DeviceHarness<VirtioConsoleMmio> _harness = DeviceHarness.Create<VirtioConsoleMmio>(
        settings: new DeviceHarnessSettings { MmioBase = Window, Irq = 6 });
    private readonly VirtioDriver _driver;

    public VirtioConsoleTests()
    {
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, Window), _harness.Memory);
        _driver.Start(queues: 2);
    }

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void Guest_output_on_the_transmit_queue_reaches_the_backend()
    {
        byte[] text = Encoding.ASCII.GetBytes("hvc0 says hi\n");
        ulong at = _driver.Allocate((ulong)text.Length);
        _driver.WriteMemory(at, text);

        _driver.Submit(MiniVmm.Devices.VirtioConsole.VirtioConsole.TransmitQueue, Out(at, (uint)text.Length));

        Assert.Equal("hvc0 says hi\n", _harness.Backend.OutputText);
        Assert.True(_driver.TryTakeUsed(MiniVmm.Devices.VirtioConsole.VirtioConsole.TransmitQueue, out _, out _));
    }

    [Fact]
    public void Host_input_fills_the_receive_buffers_the_guest_posted()
    {
        ulong buffer = _driver.Allocate(16);
        _driver.Submit(MiniVmm.Devices.VirtioConsole.VirtioConsole.ReceiveQueue, In(buffer, 16));
        Assert.False(_driver.TryTakeUsed(MiniVmm.Devices.VirtioConsole.VirtioConsole.ReceiveQueue, out _, out _));

        _harness.Backend.Feed("ls\n");

        Assert.True(_driver.TryTakeUsed(MiniVmm.Devices.VirtioConsole.VirtioConsole.ReceiveQueue, out _, out uint length));
        Assert.Equal(3u, length);
        Assert.Equal("ls\n", Encoding.ASCII.GetString(_driver.ReadMemory(buffer, 3)));
    }

    [Fact]
    public void Input_before_any_buffer_waits_in_the_backend()
    {
        _harness.Backend.Feed("x");
        ulong buffer = _driver.Allocate(4);
        _driver.Submit(MiniVmm.Devices.VirtioConsole.VirtioConsole.ReceiveQueue, In(buffer, 4));
        Assert.True(_driver.TryTakeUsed(MiniVmm.Devices.VirtioConsole.VirtioConsole.ReceiveQueue, out _, out uint length));
        Assert.Equal(1u, length);
    }
}
