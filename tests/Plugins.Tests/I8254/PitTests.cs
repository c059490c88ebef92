using Hypervisor.Testing;
using MiniVmm.Devices.Pit;

namespace Plugins.Tests.I8254;

/// <summary>The 8254's modes, latches and read-back (Intel 8254 datasheet), on a manual clock.</summary>
public sealed class PitTests : IDisposable
{
    /// <summary>Linux's LATCH for HZ = 100: (1193182 + 50) / 100.</summary>
    private const ushort LinuxLatch100Hz = 11932;

    private readonly DeviceHarness<I8254Device> _pit = DeviceHarness.Create<I8254Device>(settings: new() { Irq = 0, PortBase = 0x40 });

    public void Dispose() => _pit.Dispose();

    private void Program(int channel, int mode, ushort count, bool bcd = false)
    {
        _pit.Out(PitPort.Control, (byte)(channel << 6 | 0x30 | mode << 1 | (bcd ? 1 : 0)));
        _pit.Out(channel, (byte)count);
        _pit.Out(channel, (byte)(count >> 8));
    }

    private ushort ReadCount(int channel) => (ushort)(_pit.In(channel) | _pit.In(channel) << 8);

    private void AdvanceTicks(long ticks)
        => _pit.Clock.AdvanceNanoseconds(Pit8254.NanosecondsAt(Pit8254.TickAt(_pit.Clock.NowNanoseconds) + ticks) - _pit.Clock.NowNanoseconds);

    [Fact]
    public void Mode2_rate_generator_at_100_hz_gives_100_irq0_edges_per_simulated_second()
    {
        Program(0, 2, 11931); // 1193182 / 11931 = 100.007 Hz
        int before = _pit.Irq.RisingEdges;

        _pit.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(100, _pit.Irq.RisingEdges - before);
    }

    [Fact]
    public void Linux_latch_gives_exactly_the_datasheet_number_of_periods_over_ten_seconds()
    {
        Program(0, 2, LinuxLatch100Hz);
        int before = _pit.Irq.RisingEdges;

        _pit.Advance(TimeSpan.FromSeconds(10));

        long expected = 10 * PcPitWiring.InputHz / LinuxLatch100Hz; // 999 (the rate is 99.998 Hz)
        Assert.Equal(expected, _pit.Irq.RisingEdges - before);
    }

    [Fact]
    public void Mode2_output_goes_low_for_one_clock_before_each_reload()
    {
        Program(0, 2, 100);

        AdvanceTicks(98);
        Assert.True(_pit.Irq.Level);
        AdvanceTicks(1);
        Assert.False(_pit.Irq.Level); // count 1
        AdvanceTicks(1);
        Assert.True(_pit.Irq.Level); // reloaded
    }

    [Fact]
    public void Idle_pit_holds_out_high_and_arms_no_timer()
    {
        Assert.Equal(0, _pit.Clock.ArmedTimers);

        _pit.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([true], _pit.Irq.Edges);
    }

    [Fact]
    public void Programming_mode2_makes_no_edge_so_the_first_irq_ends_the_first_period()
    {
        Program(0, 2, 1000);
        Assert.Equal(1, _pit.Irq.RisingEdges);

        AdvanceTicks(999);
        Assert.Equal(1, _pit.Irq.RisingEdges);
        AdvanceTicks(1);
        Assert.Equal(2, _pit.Irq.RisingEdges);
    }

    [Fact]
    public void Mode0_interrupt_on_terminal_count_fires_once()
    {
        _pit.Out(PitPort.Control, 0x30); // channel 0, LSB then MSB, mode 0
        Assert.False(_pit.Irq.Level);
        _pit.Out(0, 0xe8);
        _pit.Out(0, 0x03); // 1000 ticks

        AdvanceTicks(999);
        Assert.False(_pit.Irq.Level);
        AdvanceTicks(1);
        Assert.True(_pit.Irq.Level);

        _pit.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _pit.Irq.RisingEdges); // power-on, then terminal count
        Assert.Equal(0, _pit.Clock.ArmedTimers);
    }

    [Fact]
    public void Mode0_writing_the_first_byte_stops_the_count_and_drops_out()
    {
        Program(0, 0, 10);
        AdvanceTicks(20);
        Assert.True(_pit.Irq.Level);

        _pit.Out(0, 0x10);

        Assert.False(_pit.Irq.Level);
        AdvanceTicks(100);
        Assert.False(_pit.Irq.Level);
    }

    [Fact]
    public void Counter_read_while_counting_counts_down()
    {
        Program(0, 2, 50000);

        AdvanceTicks(1234);

        Assert.Equal(50000 - 1234, ReadCount(0));
    }

    [Fact]
    public void Counter_latch_freezes_the_value_until_both_bytes_are_read()
    {
        Program(0, 2, 50000);
        AdvanceTicks(100);
        _pit.Out(PitPort.Control, 0x00); // latch channel 0

        byte low = _pit.In(0);
        AdvanceTicks(300);
        byte high = _pit.In(0);

        Assert.Equal(50000 - 100, low | high << 8);
        Assert.Equal(50000 - 400, ReadCount(0));
    }

    [Fact]
    public void Second_latch_before_reading_is_ignored()
    {
        Program(1, 2, 40000);
        AdvanceTicks(10);
        _pit.Out(PitPort.Control, 0x40);
        AdvanceTicks(10);
        _pit.Out(PitPort.Control, 0x40);

        Assert.Equal(40000 - 10, ReadCount(1));
    }

    [Fact]
    public void Read_back_latches_status_then_count()
    {
        Program(2, 0, 1000);
        AdvanceTicks(10);

        _pit.Out(PitPort.Control, 0xc0 | 0x08); // read-back count and status of counter 2

        byte status = _pit.In(2);
        Assert.Equal(0x30 | 0 << 1, status & 0x3f); // LSB then MSB, mode 0, binary
        Assert.Equal(0, status & PitStatus.NullCount);
        Assert.Equal(0, status & PitStatus.Output);
        Assert.Equal(1000 - 10, ReadCount(2));
    }

    [Fact]
    public void Read_back_status_shows_null_count_until_a_count_is_written()
    {
        _pit.Out(PitPort.Control, 0x74); // channel 1, mode 2

        _pit.Out(PitPort.Control, 0xe0 | 0x04); // status only, counter 1

        byte status = _pit.In(1);
        Assert.Equal(PitStatus.NullCount, status & PitStatus.NullCount);
        Assert.Equal(PitStatus.Output, status & PitStatus.Output); // mode 2 starts high
        Assert.Equal(0x34, status & 0x3f);
    }

    [Fact]
    public void Lsb_only_and_msb_only_access()
    {
        _pit.Out(PitPort.Control, 0x54); // channel 1, LSB only, mode 2
        _pit.Out(1, 200);
        AdvanceTicks(50);
        Assert.Equal(150, _pit.In(1));

        _pit.Out(PitPort.Control, 0x64); // channel 1, MSB only, mode 2: count 0x0300
        _pit.Out(1, 0x03);
        AdvanceTicks(0x100);
        Assert.Equal(0x02, _pit.In(1));
    }

    [Fact]
    public void Bcd_mode_counts_in_decimal_digits()
    {
        Program(1, 2, 0x1000, bcd: true); // 1000 decimal

        AdvanceTicks(1);

        Assert.Equal(0x0999, ReadCount(1));
    }

    [Fact]
    public void Mode3_square_wave_is_high_for_the_first_half_period()
    {
        Program(0, 3, 1000);

        AdvanceTicks(499);
        Assert.True(_pit.Irq.Level);
        AdvanceTicks(1);
        Assert.False(_pit.Irq.Level);
        AdvanceTicks(500);
        Assert.True(_pit.Irq.Level);
        Assert.Equal(2, _pit.Irq.RisingEdges); // power-on, then the end of the first period
    }

    [Fact]
    public void Mode4_software_strobe_pulses_once()
    {
        Program(0, 4, 100);
        int before = _pit.Irq.RisingEdges;

        _pit.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal(1, _pit.Irq.RisingEdges - before);
        Assert.True(_pit.Irq.Level);
    }

    [Fact]
    public void Late_timer_still_delivers_the_edge_it_slept_through()
    {
        Program(0, 2, 100);
        int before = _pit.Irq.RisingEdges;

        // One clock step over a whole period lands exactly on the one-clock low of the next one.
        AdvanceTicks(199);

        Assert.Equal(1, _pit.Irq.RisingEdges - before);
    }

    [Fact]
    public void Reset_stops_counting()
    {
        Program(0, 0, 100);

        _pit.Device.Reset();

        Assert.Equal(0, _pit.Clock.ArmedTimers);
        Assert.True(_pit.Irq.Level);
    }

    [Fact]
    public void Control_port_reads_all_ones()
    {
        Assert.Equal(0xff, _pit.In(PitPort.Control));
    }
}
