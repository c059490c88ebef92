using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pit;

namespace PcDevices.Tests;

/// <summary>Port 0x61 and PIT channel 2, the way Linux calibrates the TSC with them.</summary>
public sealed class SpeakerPortTests : IDisposable
{
    private readonly DeviceHarness<I8254Device> _pit = DeviceHarness.Create<I8254Device>(settings: new() { Irq = 0 });
    private readonly SpeakerPort _port61;

    public SpeakerPortTests() => _port61 = Companion.Create<SpeakerPort>(_pit.Context, "port61");

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
    public void Without_an_i8254_entry_the_port_is_a_configuration_error()
    {
        using var lonely = DeviceHarness.Create<I8254Device>();
        var otherMachine = new DeviceContext
        {
            Name = "port61", Options = lonely.Options, Logger = lonely.Context.Logger, Memory = lonely.Memory,
            Clock = lonely.Clock, Vm = new RecordingVmControl(), OpenBackend = lonely.Context.OpenBackend,
        };

        var e = Assert.Throws<DeviceConfigurationException>(() => new SpeakerPort(otherMachine));
        Assert.Contains("i8254", e.Message);
    }
}
