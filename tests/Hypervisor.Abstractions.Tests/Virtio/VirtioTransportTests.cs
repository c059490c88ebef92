using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;
using R = Hypervisor.Abstractions.Virtio.VirtioMmioRegister;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>The virtio-mmio registers and the negotiation every transport shares.</summary>
public sealed class VirtioTransportTests : IDisposable
{
    private readonly DeviceHarness<EchoMmio> _harness = DeviceHarness.Create<EchoMmio>();
    private readonly VirtioMmioDriverTransport _mmio;

    public VirtioTransportTests() => _mmio = new VirtioMmioDriverTransport(_harness.Buses, EchoMmio.Base);

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void Mmio_identifies_as_a_version_2_virtio_device()
    {
        Assert.Equal(0x7472_6976u, _mmio.Read(R.MagicValue));
        Assert.Equal(2u, _mmio.Read(R.Version));
        Assert.Equal(0x3fu, _mmio.Read(R.DeviceId));
        Assert.Equal(0xefbe_addeUL, _mmio.ReadConfig(0, 4));
    }

    [Fact]
    public void The_transport_offers_version_1_indirect_descriptors_and_event_index_beside_the_device_features()
    {
        Assert.Equal(VirtioFeatures.Transport | 1UL << 3, _mmio.DeviceFeatures);
    }

    [Fact]
    public void Features_ok_is_refused_without_version_1()
    {
        _mmio.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver;
        _mmio.SetDriverFeatures(1UL << 3);
        _mmio.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk;
        Assert.Equal(0, _mmio.Status & VirtioStatus.FeaturesOk);
    }

    [Fact]
    public void Driver_ok_activates_the_device_with_the_accepted_features_only()
    {
        _mmio.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver;
        _mmio.SetDriverFeatures(VirtioFeatures.Version1 | 1UL << 40);
        _mmio.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk;
        Assert.Equal(VirtioFeatures.Version1, _harness.Device.Echo.Activated);
    }

    [Fact]
    public void Mmio_device_adds_its_place_to_the_kernel_command_line()
    {
        Assert.Equal("virtio_mmio.device=4K@0xd0000000:5", _harness.Device.KernelArguments);
    }

    [Fact]
    public void Writing_status_0_resets_the_device_and_lowers_the_line()
    {
        var driver = new VirtioDriver(_mmio, _harness.Memory);
        driver.Start(queues: 1);
        driver.Submit(0, Out(driver.Allocate(1), 1), In(driver.Allocate(1), 1));
        Assert.True(_harness.Irq.Level);

        _mmio.Status = 0;

        Assert.False(_harness.Irq.Level);
        Assert.Equal(0, _mmio.Status);
        Assert.Equal(0u, _mmio.Read(R.QueueReady));
    }
}
