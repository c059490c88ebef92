using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Rtc;

namespace Plugins.Tests.Mc146818;

/// <summary>The RTC's snapshot state: CMOS and the calendar continue from the saved machine, not from a new power-on time.</summary>
public sealed class RtcStateTests
{
    private static readonly Dictionary<string, string?> Jan2024 = new() { ["time"] = "2024-01-02T03:04:05Z" };
    private static readonly Dictionary<string, string?> Jun2030 = new() { ["time"] = "2030-06-07T08:09:10Z" };

    [Fact]
    public void A_loaded_rtc_keeps_the_saved_cmos_and_calendar()
    {
        using var saved = DeviceHarness.Create<Mc146818Device>(Jan2024, new() { Irq = 8 });
        saved.Out(0, 0x40);
        saved.Out(1, 0xa5);
        saved.Advance(TimeSpan.FromSeconds(3));
        var state = new StateWriter();
        saved.Device.SaveState(state);

        using var loaded = DeviceHarness.Create<Mc146818Device>(Jun2030, new() { Irq = 8 });
        loaded.Advance(TimeSpan.FromSeconds(3));
        loaded.Device.LoadState(new StateReader(state.ToArray()), saved.Device.StateVersion);

        loaded.Out(0, 0x40);
        Assert.Equal(0xa5, loaded.In(1));
        Assert.Equal(saved.Device.Rtc.Now, loaded.Device.Rtc.Now);
    }
}
