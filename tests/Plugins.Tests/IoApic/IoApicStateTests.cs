using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.IoApic;

namespace Plugins.Tests.IoApic;

using IoApic = MiniVmm.Devices.IoApic.IoApic;

/// <summary>The I/O APIC's saved state, loaded into a fresh instance (what a snapshot's restore does).</summary>
public sealed class IoApicStateTests
{
    private static DeviceHarness<IoApic> Create(RecordingApicBus bus) =>
        DeviceHarness.Create<IoApic>(settings: new DeviceHarnessSettings { Apic = bus });

    private static void WriteRegister(DeviceHarness<IoApic> h, uint index, uint value)
    {
        h.WriteMmio(IoApicWindow.RegisterSelect, 4, index);
        h.WriteMmio(IoApicWindow.Data, 4, value);
    }

    private static uint ReadRegister(DeviceHarness<IoApic> h, uint index)
    {
        h.WriteMmio(IoApicWindow.RegisterSelect, 4, index);
        return (uint)h.ReadMmio(IoApicWindow.Data, 4);
    }

    private static byte[] Save(IDeviceState device)
    {
        var writer = new StateWriter();
        device.SaveState(writer);
        return writer.ToArray();
    }

    [Fact]
    public void A_restored_level_pin_waiting_for_its_eoi_sends_again_after_it_not_before()
    {
        var oldBus = new RecordingApicBus();
        using var old = Create(oldBus);
        WriteRegister(old, IoApicRegister.Id, 0x0300_0000);
        WriteRegister(old, IoApicRegister.RedirectionTable + 2 * 9 + 1, 0x0100_0000);
        WriteRegister(old, IoApicRegister.RedirectionTable + 2 * 9, (uint)RedirectionBits.LevelTriggered | 0x49);
        old.Device.SetInput(9, true);
        Assert.Single(oldBus.Messages);

        var bus = new RecordingApicBus();
        using var restored = Create(bus);
        restored.Device.LoadState(new StateReader(Save(old.Device)), old.Device.StateVersion);

        Assert.Equal(0x0300_0000u, ReadRegister(restored, IoApicRegister.Id));
        Assert.Equal(0x0100_0000u, ReadRegister(restored, IoApicRegister.RedirectionTable + 2 * 9 + 1));
        Assert.NotEqual(0u, ReadRegister(restored, IoApicRegister.RedirectionTable + 2 * 9) & (uint)RedirectionBits.RemoteIrr);
        restored.Device.SetInput(9, true); // still asserted, remote IRR set: nothing new
        Assert.Empty(bus.Messages);

        bus.BroadcastEndOfInterrupt(0x49);

        var message = Assert.Single(bus.Messages); // the pin is still high: sent again
        Assert.Equal(0x49, message.Vector);
        Assert.Equal(1, message.Destination);
    }

    [Fact]
    public void A_state_of_another_version_is_refused_naming_the_device()
    {
        using var h = Create(new RecordingApicBus());
        var e = Assert.Throws<StateFormatException>(() => h.Device.LoadState(new StateReader(Save(h.Device)), 2));
        Assert.Contains("ioapic state version 2", e.Message);
    }
}
