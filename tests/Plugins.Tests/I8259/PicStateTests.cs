using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pic;

namespace Plugins.Tests.I8259;

/// <summary>The 8259A pair's snapshot state: initialization, masks and a pending request survive a save and load.</summary>
public sealed class PicStateTests
{
    [Fact]
    public void A_loaded_pic_delivers_the_request_the_saved_one_had_pending()
    {
        using var saved = DeviceHarness.Create<I8259Device>();
        Initialize(saved);
        saved.Device.SetInput(1, true);
        Assert.True(saved.Device.HasPendingInterrupt);
        var state = new StateWriter();
        saved.Device.SaveState(state);

        using var loaded = DeviceHarness.Create<I8259Device>();
        loaded.Device.LoadState(new StateReader(state.ToArray()), saved.Device.StateVersion);

        Assert.True(loaded.Device.HasPendingInterrupt);
        Assert.Equal(0x21, loaded.Device.Acknowledge());
        Assert.Equal(0xfc, loaded.In(1)); // the mask the guest wrote
        // The line is still high: no new edge, no second request.
        loaded.Device.SetInput(1, true);
        Assert.False(loaded.Device.HasPendingInterrupt);
    }

    private static void Initialize(DeviceHarness<I8259Device> pic)
    {
        pic.Out(0, 0x11);   // ICW1: edge, cascade, ICW4
        pic.Out(1, 0x20);   // ICW2: vectors 0x20-0x27
        pic.Out(1, 0x04);   // ICW3
        pic.Out(1, 0x01);   // ICW4: 8086
        pic.Out(1, 0xfc);   // OCW1: IRQ 0 and 1 unmasked
    }
}
