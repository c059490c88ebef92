using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>
/// The virtio transports' saved state (<see cref="Hypervisor.Abstractions.Virtio.VirtioCore.SaveState"/>):
/// the device goes back to power-on (queues, BAR, held requests forgotten) and loads what it saved,
/// RAM untouched, as a restored machine's device does; the driver then carries on.
/// </summary>
public sealed class VirtioStateTests
{
    private const ulong Bar = 0xfe00_0000;
    private static readonly PciAddress Slot = new(0, 5, 0);

    private static void ResetAndRestore(IDevice device)
    {
        var state = (IDeviceState)device;
        var writer = new StateWriter();
        state.SaveState(writer);
        device.Reset();
        var reader = new StateReader(writer.ToArray());
        state.LoadState(reader, state.StateVersion);
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void A_pci_function_comes_back_at_its_bar_and_completes_the_request_it_held()
    {
        using var harness = DeviceHarness.Create<EchoPci>(new() { ["pciAddress"] = "00:05.0" });
        var driver = new VirtioDriver(new VirtioPciDriverTransport(harness.Buses, harness.PciFunction(Slot), Bar), harness.Memory);
        driver.Start(queues: 1);
        harness.Device.Echo.Hold = true;
        ulong data = driver.Allocate(2), answer = driver.Allocate(2);
        driver.WriteMemory(data, [1, 2]);
        driver.Submit(0, Out(data, 2), In(answer, 2));
        Assert.False(driver.TryTakeUsed(0, out _, out _));

        ResetAndRestore(harness.Device);

        var held = Assert.Single(harness.Device.Echo.Requests.Skip(1)); // handed to the device again
        held.Complete(held.Write(0, [9, 8]));
        Assert.True(driver.TryTakeUsed(0, out _, out uint length));
        Assert.Equal(2u, length);
        Assert.Equal([9, 8], driver.ReadMemory(answer, 2));
        Assert.Equal(Hypervisor.Abstractions.Virtio.VirtioInterrupt.UsedBuffer, driver.Transport.TakeInterruptStatus()); // through BAR 0, mapped again
    }

    [Fact]
    public void A_request_completed_by_the_old_instance_after_the_save_is_not_used_twice()
    {
        using var harness = DeviceHarness.Create<EchoMmio>();
        var driver = new VirtioDriver(new VirtioMmioDriverTransport(harness.Buses, EchoMmio.Base), harness.Memory);
        driver.Start(queues: 1);
        harness.Device.Echo.Hold = true;
        ulong data = driver.Allocate(1), answer = driver.Allocate(1);
        driver.Submit(0, Out(data, 1), In(answer, 1));
        var stale = harness.Device.Echo.Requests[0];

        ResetAndRestore(harness.Device);
        stale.Complete(0); // from before the restore: another generation, dropped

        Assert.False(driver.TryTakeUsed(0, out _, out _));
        harness.Device.Echo.Requests[^1].Complete(0);
        Assert.True(driver.TryTakeUsed(0, out _, out _));
        Assert.False(driver.TryTakeUsed(0, out _, out _));
    }
}
