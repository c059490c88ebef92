using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;
using Console = MiniVmm.Devices.VirtioConsole.VirtioConsole;

namespace Plugins.Tests.VirtioConsole;

/// <summary>
/// The virtio transport's saved state through virtio-console: the device is reset to power-on (it
/// forgets its queues and the receive buffers it held) and loads what it saved, RAM untouched, as a
/// restored machine's device does.
/// </summary>
public sealed class VirtioConsoleStateTests : IDisposable
{
    private const ulong Window = 0xd000_1000;
    private readonly DeviceHarness<MiniVmm.Devices.VirtioConsole.VirtioConsoleMmio> _harness = DeviceHarness.Create<MiniVmm.Devices.VirtioConsole.VirtioConsoleMmio>(
        settings: new DeviceHarnessSettings { MmioBase = Window, Irq = 6 });
    private readonly VirtioDriver _driver;

    public VirtioConsoleStateTests()
    {
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, Window), _harness.Memory);
        _driver.Start(queues: 2);
    }

    public void Dispose() => _harness.Dispose();

    private void ResetAndRestore()
    {
        var writer = new StateWriter();
        _harness.Device.SaveState(writer);
        _harness.Device.Reset();
        var reader = new StateReader(writer.ToArray());
        _harness.Device.LoadState(reader, _harness.Device.StateVersion);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Receive_buffers_the_device_held_are_filled_by_input_after_the_restore()
    {
        ulong first = _driver.Allocate(8), second = _driver.Allocate(8);
        _driver.Submit(Console.ReceiveQueue, In(first, 8));
        _driver.Submit(Console.ReceiveQueue, In(second, 8));

        ResetAndRestore();
        _harness.Backend.Feed("hi");

        Assert.True(_driver.TryTakeUsed(Console.ReceiveQueue, out ushort head, out uint length));
        Assert.Equal(2u, length);
        Assert.Equal("hi", Encoding.ASCII.GetString(_driver.ReadMemory(first, 2)));
        _harness.Backend.Feed("!");
        Assert.True(_driver.TryTakeUsed(Console.ReceiveQueue, out ushort next, out _));
        Assert.NotEqual(head, next);
        Assert.Equal("!", Encoding.ASCII.GetString(_driver.ReadMemory(second, 1)));
    }

    [Fact]
    public void Status_features_interrupt_and_ring_positions_survive_and_the_queue_goes_on()
    {
        byte[] text = Encoding.ASCII.GetBytes("before ");
        ulong at = _driver.Allocate(16);
        _driver.WriteMemory(at, text);
        _driver.Submit(Console.TransmitQueue, Out(at, (uint)text.Length));
        Assert.True(_harness.Irq.Level);
        byte status = (byte)_driver.Transport.Status;

        ResetAndRestore();

        Assert.Equal(status, (byte)_driver.Transport.Status);
        Assert.True(_harness.Irq.Level); // the used-buffer interrupt was not acknowledged before the snapshot
        Assert.True(_driver.TryTakeUsed(Console.TransmitQueue, out _, out _));
        _driver.WriteMemory(at, Encoding.ASCII.GetBytes("after\n"));
        _driver.Submit(Console.TransmitQueue, Out(at, 6));
        Assert.Equal("before after\n", _harness.Backend.OutputText);
        Assert.True(_driver.TryTakeUsed(Console.TransmitQueue, out _, out _));
    }
}
