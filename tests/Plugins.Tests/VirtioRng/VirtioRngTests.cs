using Hypervisor.Abstractions.Pci;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioRng;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioRng;

/// <summary>virtio-rng on virtio-pci: the guest's buffers come back filled with host randomness.</summary>
public sealed class VirtioRngTests : IDisposable
{
    private readonly DeviceHarness<VirtioRngPci> _harness = DeviceHarness.Create<VirtioRngPci>(
        new() { ["pciAddress"] = "00:05.0" }, new DeviceHarnessSettings { Irq = 11 });
    private readonly VirtioDriver _driver;

    public VirtioRngTests()
    {
        _driver = new VirtioDriver(new VirtioPciDriverTransport(_harness.Buses, _harness.PciFunction(new PciAddress(0, 5, 0)), 0xfe00_0000), _harness.Memory);
        _driver.Start(queues: 1);
    }

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void The_function_is_a_virtio_entropy_device()
    {
        Assert.Equal(0x1044u, _harness.PciFunction(new PciAddress(0, 5, 0)).ReadConfig(PciConfigRegister.DeviceId, 2));
    }

    [Fact]
    public void Each_request_is_filled_with_fresh_random_bytes()
    {
        ulong first = _driver.Allocate(64), second = _driver.Allocate(64);

        _driver.Submit(0, In(first, 64));
        _driver.Submit(0, In(second, 64));

        Assert.True(_driver.TryTakeUsed(0, out _, out uint length));
        Assert.Equal(64u, length);
        Assert.True(_driver.TryTakeUsed(0, out _, out _));
        var a = _driver.ReadMemory(first, 64);
        Assert.NotEqual(a, _driver.ReadMemory(second, 64));
        Assert.True(a.Distinct().Count() > 16);
        Assert.Equal(VirtioInterrupt.UsedBuffer, _driver.Transport.TakeInterruptStatus());
    }

    [Fact]
    public void A_large_request_gets_at_most_4_KiB()
    {
        ulong buffer = _driver.Allocate(8192);
        _driver.Submit(0, In(buffer, 8192));
        Assert.True(_driver.TryTakeUsed(0, out _, out uint length));
        Assert.Equal((uint)MiniVmm.Devices.VirtioRng.VirtioRng.MaxBytesPerRequest, length);
    }
}
