using Hypervisor.Abstractions.Pci;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>The virtio-pci modern transport: identity, capabilities, BAR 0, INTx through the ISR.</summary>
public sealed class VirtioPciTransportTests : IDisposable
{
    private const ulong Bar = 0xfe00_0000;
    private static readonly PciAddress Slot = new(0, 5, 0);
    private readonly DeviceHarness<EchoPci> _harness = DeviceHarness.Create<EchoPci>(new() { ["pciAddress"] = "00:05.0" });

    public void Dispose() => _harness.Dispose();

    private IPciFunction Function => _harness.PciFunction(Slot);

    [Fact]
    public void The_function_is_a_modern_virtio_device_of_its_type()
    {
        Assert.Equal(0x107fu << 16 | 0x1af4, Function.ReadConfig(PciConfigRegister.VendorId, 4));
        Assert.Equal(1u, Function.ReadConfig(PciConfigRegister.RevisionId, 1));
        Assert.Equal(0x0040_1af4u, Function.ReadConfig(PciConfigRegister.SubsystemVendorId, 4));
        Assert.Equal(0x10u, Function.ReadConfig(PciConfigRegister.Status, 2) & 0x10);
        Assert.Equal(1u, Function.ReadConfig(PciConfigRegister.InterruptPin, 1));
        Assert.Equal(11u, Function.ReadConfig(PciConfigRegister.InterruptLine, 1));
    }

    [Fact]
    public void The_capability_list_names_the_four_regions_in_bar_0()
    {
        var types = new List<(byte Type, uint Offset)>();
        for (int at = (int)Function.ReadConfig(PciConfigRegister.CapabilitiesPointer, 1); at != 0; at = (int)Function.ReadConfig(at + 1, 1))
        {
            Assert.Equal(VirtioPciLayout.VendorCapability, (byte)Function.ReadConfig(at, 1));
            Assert.Equal(0u, Function.ReadConfig(at + 4, 1)); // BAR 0
            types.Add(((byte)Function.ReadConfig(at + 3, 1), Function.ReadConfig(at + 8, 4)));
        }
        Assert.Equal([(1, 0x0000u), (3, 0x1000u), (4, 0x2000u), (2, 0x3000u)], types);
    }

    [Fact]
    public void A_driver_runs_a_request_through_bar_0_and_reads_the_isr_to_acknowledge()
    {
        var driver = new VirtioDriver(new VirtioPciDriverTransport(_harness.Buses, Function, Bar), _harness.Memory);
        Assert.Equal(VirtioFeatures.Transport | 1UL << 3, driver.Transport.DeviceFeatures);
        driver.Start(queues: 1);
        ulong data = driver.Allocate(2), answer = driver.Allocate(2);
        driver.WriteMemory(data, [1, 2]);

        driver.Submit(0, Out(data, 2), In(answer, 2));

        Assert.True(driver.TryTakeUsed(0, out _, out uint length));
        Assert.Equal(2u, length);
        Assert.Equal([2, 1], driver.ReadMemory(answer, 2));
        Assert.True(_harness.Irq.Level);
        Assert.Equal(VirtioInterrupt.UsedBuffer, driver.Transport.TakeInterruptStatus());
        Assert.False(_harness.Irq.Level);
        Assert.Equal(0u, driver.Transport.TakeInterruptStatus());
        Assert.Equal(0xefbe_addeUL, driver.Transport.ReadConfig(0, 4));
    }

    [Fact]
    public void Bar_0_decodes_nothing_until_memory_space_is_enabled()
    {
        Function.WriteConfig(PciConfigRegister.Bar0, 4, (uint)Bar);
        Assert.Empty(_harness.Buses.Mapped);
        Function.WriteConfig(PciConfigRegister.Command, 2, PciCommand.MemorySpace);
        Assert.Single(_harness.Buses.Mapped);
    }

    [Fact]
    public void A_machine_reset_keeps_the_interrupt_line_register()
    {
        _harness.Device.Reset();
        Assert.Equal(11u, Function.ReadConfig(PciConfigRegister.InterruptLine, 1));
    }
}
