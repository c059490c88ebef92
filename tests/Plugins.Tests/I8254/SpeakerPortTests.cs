using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pit;

namespace Plugins.Tests.I8254;

/// <summary>Port 0x61 and PIT channel 2, the way Linux calibrates the TSC with them.</summary>
public sealed class SpeakerPortTests : IDisposable
{
    private readonly DeviceHarness<I8254Device> _pit = DeviceHarness.Create<I8254Device>();
    private readonly IPortDevice _port61;

    public SpeakerPortTests() => _port61 = _pit.PortWindow("port61");

    public void Dispose() => _pit.Dispose();

    [Fact]
    public void Channel2_output_appears_in_bit5_when_the_count_expires()
    {
        // pit_calibrate_tsc: gate high, speaker off; channel 2 mode 0; poll bit 5.
        int edges = _pit.Irq.Edges.Count;
        _port61.Out(0, (byte)((_port61.In(0) & ~PortB.SpeakerData) | PortB.Timer2Gate));
        _pit.Out(PitPort.Control, 0xb0);
        _pit.Out(2, 0xff);
        _pit.Out(2, 0xff);
        Assert.Equal(0, _port61.In(0) & PortB.Timer2Output);

        _pit.Advance(TimeSpan.FromMilliseconds(60)); // 65535 ticks are 54.9 ms

        Assert.Equal(PortB.Timer2Output, _port61.In(0) & PortB.Timer2Output);
        Assert.Equal(edges, _pit.Irq.Edges.Count); // channel 2 has no interrupt
    }

    [Fact]
    public void Gate_and_speaker_bits_read_back()
    {
        _port61.Out(0, PortB.Timer2Gate | PortB.SpeakerData | 0xf0);

        Assert.Equal(PortB.Timer2Gate | PortB.SpeakerData, _port61.In(0) & 0x0f);
        Assert.True(_pit.Device.Pit.SpeakerChannel().Gate);
    }

    [Fact]
    public void Mode1_one_shot_starts_on_the_gate_rising_edge()
    {
        _pit.Out(PitPort.Control, 0xb2); // channel 2, mode 1
        _pit.Out(2, 100);
        _pit.Out(2, 0);
        _pit.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotEqual(0, _port61.In(0) & PortB.Timer2Output); // waiting for a trigger: high

        _port61.Out(0, PortB.Timer2Gate);
        Assert.Equal(0, _port61.In(0) & PortB.Timer2Output);
        _pit.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotEqual(0, _port61.In(0) & PortB.Timer2Output);
    }

    [Fact]
    public void Refresh_bit_toggles_as_time_passes()
    {
        var seen = new HashSet<int>();
        for (int i = 0; i < 4; i++)
        {
            seen.Add(_port61.In(0) & PortB.RefreshToggle);
            _pit.Clock.AdvanceNanoseconds(PortB.RefreshPeriodNanoseconds);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public void Port_0x61_comes_with_the_i8254_on_the_bus()
    {
        _pit.Buses.Out(0x61, 1, PortB.Timer2Gate);

        Assert.True(_pit.Device.Pit.SpeakerChannel().Gate);
        Assert.Equal(PortB.Timer2Gate, _pit.Buses.In(0x61) & PortB.Timer2Gate);
    }
}
