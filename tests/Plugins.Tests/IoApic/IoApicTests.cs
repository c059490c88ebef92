using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.IoApic;

namespace Plugins.Tests.IoApic;

using IoApic = MiniVmm.Devices.IoApic.IoApic;

/// <summary>The I/O APIC's registers and pins, against the 82093AA datasheet and QEMU's model.</summary>
public sealed class IoApicTests
{
    private static DeviceHarness<IoApic> Create(out RecordingApicBus bus)
    {
        bus = new RecordingApicBus();
        return DeviceHarness.Create<IoApic>(settings: new DeviceHarnessSettings { Apic = bus });
    }

    private static uint ReadRegister(DeviceHarness<IoApic> h, uint index)
    {
        h.WriteMmio(IoApicWindow.RegisterSelect, 4, index);
        return (uint)h.ReadMmio(IoApicWindow.Data, 4);
    }

    private static void WriteRegister(DeviceHarness<IoApic> h, uint index, uint value)
    {
        h.WriteMmio(IoApicWindow.RegisterSelect, 4, index);
        h.WriteMmio(IoApicWindow.Data, 4, value);
    }

    private static void Program(DeviceHarness<IoApic> h, int pin, uint low, byte destination = 0)
    {
        WriteRegister(h, IoApicRegister.RedirectionTable + 2 * (uint)pin + 1, (uint)destination << 24);
        WriteRegister(h, IoApicRegister.RedirectionTable + 2 * (uint)pin, low);
    }

    [Fact]
    public void Version_reports_24_entries_and_every_entry_starts_masked()
    {
        using var h = Create(out _);

        Assert.Equal(0x0017_0020u, ReadRegister(h, IoApicRegister.Version));
        for (int pin = 0; pin < IoApic.PinCount; pin++)
            Assert.Equal((uint)RedirectionBits.Masked, ReadRegister(h, IoApicRegister.RedirectionTable + 2 * (uint)pin));
    }

    [Fact]
    public void A_machine_without_apic_is_refused_with_the_key_to_add()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<IoApic>());
        Assert.Contains("\"apic\": true", e.Message);
    }

    [Fact]
    public void Edge_pin_sends_its_vector_on_each_rising_edge_only()
    {
        using var h = Create(out var bus);
        Program(h, 5, 0x31, destination: 1);

        h.Device.SetInput(5, true);
        h.Device.SetInput(5, true);
        h.Device.SetInput(5, false);
        h.Device.SetInput(5, true);

        Assert.Equal(2, bus.Messages.Count);
        Assert.Equal(new ApicMessage(0x31, ApicDeliveryMode.Fixed, 1), bus.Messages[0]);
    }

    [Fact]
    public void Isa_irq_0_drives_pin_2()
    {
        using var h = Create(out var bus);
        Program(h, 2, 0x30);

        h.Device.SetInput(0, true);

        Assert.Equal(0x30, Assert.Single(bus.Messages).Vector);
    }

    [Fact]
    public void Masked_pin_loses_its_edges()
    {
        using var h = Create(out var bus);
        Program(h, 3, (uint)RedirectionBits.Masked | 0x33);
        h.Device.SetInput(3, true);
        Program(h, 3, 0x33);

        Assert.Empty(bus.Messages);
    }

    [Fact]
    public void Level_pin_holds_remote_irr_until_eoi_then_sends_again_while_asserted()
    {
        using var h = Create(out var bus);
        Program(h, 9, (uint)RedirectionBits.LevelTriggered | 0x49);

        h.Device.SetInput(9, true);
        h.Device.SetInput(9, true);
        Assert.Single(bus.Messages);
        Assert.True(bus.Messages[0].LevelTriggered);
        Assert.NotEqual(0u, ReadRegister(h, IoApicRegister.RedirectionTable + 18) & (uint)RedirectionBits.RemoteIrr);

        bus.BroadcastEndOfInterrupt(0x49);
        Assert.Equal(2, bus.Messages.Count); // still asserted: sent again, remote IRR set again

        h.Device.SetInput(9, false);
        bus.BroadcastEndOfInterrupt(0x49);
        Assert.Equal(2, bus.Messages.Count);
        Assert.Equal(0u, ReadRegister(h, IoApicRegister.RedirectionTable + 18) & (uint)RedirectionBits.RemoteIrr);
    }

    [Fact]
    public void Eoi_register_clears_remote_irr_of_entries_with_that_vector()
    {
        using var h = Create(out var bus);
        Program(h, 10, (uint)RedirectionBits.LevelTriggered | 0x4a);
        h.Device.SetInput(10, true);
        h.Device.SetInput(10, false);

        h.WriteMmio(IoApicWindow.Eoi, 4, 0x4b); // another vector: no effect
        Assert.NotEqual(0u, ReadRegister(h, IoApicRegister.RedirectionTable + 20) & (uint)RedirectionBits.RemoteIrr);
        h.WriteMmio(IoApicWindow.Eoi, 4, 0x4a);
        Assert.Equal(0u, ReadRegister(h, IoApicRegister.RedirectionTable + 20) & (uint)RedirectionBits.RemoteIrr);
        Assert.Single(bus.Messages);
    }

    [Fact]
    public void Unmasking_an_asserted_level_pin_sends_at_once()
    {
        using var h = Create(out var bus);
        Program(h, 11, (uint)(RedirectionBits.LevelTriggered | RedirectionBits.Masked) | 0x4b);
        h.Device.SetInput(11, true);
        Assert.Empty(bus.Messages);

        Program(h, 11, (uint)RedirectionBits.LevelTriggered | 0x4b);

        Assert.Single(bus.Messages);
    }

    [Fact]
    public void Entry_fields_become_the_message_and_read_only_bits_ignore_writes()
    {
        using var h = Create(out var bus);
        uint low = 0x61 | (1u << RedirectionBits.DeliveryModeShift) | (uint)RedirectionBits.LogicalDestination
            | (uint)RedirectionBits.RemoteIrr | (uint)RedirectionBits.DeliveryStatus;
        Program(h, 12, low, destination: 0x03);

        Assert.Equal(low & ~(uint)(RedirectionBits.RemoteIrr | RedirectionBits.DeliveryStatus),
            ReadRegister(h, IoApicRegister.RedirectionTable + 24));
        Assert.Equal(0x0300_0000u, ReadRegister(h, IoApicRegister.RedirectionTable + 25));
        h.Device.SetInput(12, true);
        Assert.Equal(new ApicMessage(0x61, ApicDeliveryMode.LowestPriority, 0x03, LogicalDestination: true), Assert.Single(bus.Messages));
    }

    [Fact]
    public void Reset_masks_every_entry_again()
    {
        using var h = Create(out _);
        Program(h, 1, 0x21);
        h.Device.Reset();
        Assert.Equal((uint)RedirectionBits.Masked, ReadRegister(h, IoApicRegister.RedirectionTable + 2));
    }
}
