using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Samples;

namespace Plugins.Tests.MmioClock;

// The device class, not this namespace (named after the plugin).
using MmioClock = MiniVmm.Devices.Samples.MmioClock;

/// <summary>The sample plugin's tests: the ones docs/writing-a-device.md walks through.</summary>
public sealed class MmioClockTests
{
    [Fact]
    public void Count_follows_the_machine_clock()
    {
        using var clock = DeviceHarness.Create<MmioClock>();

        clock.Advance(TimeSpan.FromMilliseconds(5));

        Assert.Equal(5_000_000UL, clock.ReadMmio(MmioClock.Register.CountLow, 8));
    }

    [Fact]
    public void Reading_the_low_half_latches_the_high_half()
    {
        using var clock = DeviceHarness.Create<MmioClock>();
        clock.Clock.AdvanceNanoseconds(0x1_ffff_fff0);

        ulong low = clock.ReadMmio(MmioClock.Register.CountLow, 4);
        clock.Clock.AdvanceNanoseconds(0x20); // the low half wraps meanwhile
        ulong high = clock.ReadMmio(MmioClock.Register.CountHigh, 4);

        Assert.Equal(0x1_ffff_fff0UL, (high << 32) | low);
    }

    [Fact]
    public void Tick_scales_the_count_and_the_reported_frequency()
    {
        using var clock = DeviceHarness.Create<MmioClock>(new() { ["tick"] = "1000000" });
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2000UL, clock.ReadMmio(MmioClock.Register.CountLow, 8));
        Assert.Equal(1000UL, clock.ReadMmio(MmioClock.Register.Frequency, 4));
    }

    [Fact]
    public void A_zero_tick_is_rejected()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<MmioClock>(new() { ["tick"] = "0" }));
        Assert.Equal("tick", e.Option);
    }

    [Fact]
    public void Writes_change_nothing()
    {
        using var clock = DeviceHarness.Create<MmioClock>();
        clock.Advance(TimeSpan.FromTicks(1));

        clock.WriteMmio(MmioClock.Register.CountLow, 8, 0);

        Assert.Equal(100UL, clock.ReadMmio(MmioClock.Register.CountLow, 8));
    }
}
