using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Rtc;

namespace Plugins.Tests.Mc146818;

// The device class, not this namespace (named after the plugin).
using Mc146818 = MiniVmm.Devices.Rtc.Mc146818;

/// <summary>The MC146818A's calendar, formats, update cycle and interrupts (MC146818A datasheet), on a manual clock.</summary>
public sealed class RtcTests : IDisposable
{
    private readonly DeviceHarness<Mc146818Device> _rtc = DeviceHarness.Create<Mc146818Device>(
        new() { ["time"] = "2024-02-28T23:59:58Z", ["memorySize"] = "64MiB" },
        new DeviceHarnessSettings { Irq = 8, PortBase = 0x70 });

    public void Dispose() => _rtc.Dispose();

    private byte Get(int register)
    {
        _rtc.Out(RtcPort.Index, (byte)register);
        return _rtc.In(RtcPort.Data);
    }

    private void Set(int register, byte value)
    {
        _rtc.Out(RtcPort.Index, (byte)register);
        _rtc.Out(RtcPort.Data, value);
    }

    [Fact]
    public void Time_and_date_read_in_bcd_24_hour_by_default()
    {
        Assert.Equal(0x58, Get(RtcRegister.Seconds));
        Assert.Equal(0x59, Get(RtcRegister.Minutes));
        Assert.Equal(0x23, Get(RtcRegister.Hours));
        Assert.Equal(0x28, Get(RtcRegister.DayOfMonth));
        Assert.Equal(0x02, Get(RtcRegister.Month));
        Assert.Equal(0x24, Get(RtcRegister.Year));
        Assert.Equal(0x20, Get(CmosField.Century));
        Assert.Equal(4, Get(RtcRegister.DayOfWeek)); // Wednesday (1 = Sunday)
    }

    [Fact]
    public void Calendar_advances_with_the_clock_through_a_leap_day()
    {
        _rtc.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(0x01, Get(RtcRegister.Seconds));
        Assert.Equal(0x00, Get(RtcRegister.Hours));
        Assert.Equal(0x29, Get(RtcRegister.DayOfMonth));
        Assert.Equal(0x02, Get(RtcRegister.Month));
    }

    [Fact]
    public void Binary_mode_and_12_hour_mode_per_register_b()
    {
        Set(RtcRegister.B, RegisterB.Binary);

        Assert.Equal(58, Get(RtcRegister.Seconds));
        Assert.Equal(11 | HourFormat.Pm, Get(RtcRegister.Hours)); // 23:59 is 11 PM
        Assert.Equal(24, Get(RtcRegister.Year));
    }

    [Fact]
    public void Twelve_hour_bcd_midnight_reads_12_am()
    {
        Set(RtcRegister.B, 0);
        _rtc.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0x12, Get(RtcRegister.Hours));
    }

    [Fact]
    public void Setting_the_time_with_set_holds_it_until_set_is_cleared()
    {
        Set(RtcRegister.B, RegisterB.Set | RegisterB.Hour24);
        Set(RtcRegister.Hours, 0x08);
        Set(RtcRegister.Minutes, 0x30);
        Set(RtcRegister.Seconds, 0x00);
        _rtc.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0x00, Get(RtcRegister.Seconds));

        Set(RtcRegister.B, RegisterB.Hour24);
        _rtc.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0x08, Get(RtcRegister.Hours));
        Assert.Equal(0x30, Get(RtcRegister.Minutes));
        Assert.Equal(0x05, Get(RtcRegister.Seconds));
    }

    [Fact]
    public void Update_in_progress_is_set_in_the_last_244_microseconds_of_each_second()
    {
        _rtc.Clock.AdvanceNanoseconds(1_000_000_000 - Mc146818.UpdateInProgressNanoseconds - 1);
        Assert.Equal(0, Get(RtcRegister.A) & RegisterA.UpdateInProgress);

        _rtc.Clock.AdvanceNanoseconds(1);
        Assert.Equal(RegisterA.UpdateInProgress, Get(RtcRegister.A) & RegisterA.UpdateInProgress);

        _rtc.Clock.AdvanceNanoseconds(Mc146818.UpdateInProgressNanoseconds);
        Assert.Equal(0, Get(RtcRegister.A) & RegisterA.UpdateInProgress);
        Assert.Equal(0x59, Get(RtcRegister.Seconds));
    }

    [Fact]
    public void Periodic_interrupt_at_1024_hz_raises_irq8_until_register_c_is_read()
    {
        Set(RtcRegister.A, RegisterA.Divider32Khz | 6);
        Set(RtcRegister.B, RegisterB.Hour24 | RegisterB.PeriodicInterruptEnable);
        Assert.False(_rtc.Irq.Level);

        _rtc.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_rtc.Irq.Level);
        Assert.Equal(RegisterC.InterruptRequest | RegisterC.Periodic, Get(RtcRegister.C) & 0xf0);
        Assert.False(_rtc.Irq.Level);
        Assert.Equal(0, Get(RtcRegister.C));
    }

    [Fact]
    public void Periodic_interrupts_serviced_each_time_count_the_rate()
    {
        Set(RtcRegister.A, RegisterA.Divider32Khz | 15); // 2 Hz
        Set(RtcRegister.B, RegisterB.Hour24 | RegisterB.PeriodicInterruptEnable);

        int serviced = 0;
        for (int ms = 0; ms < 10_000; ms += 10)
        {
            _rtc.Advance(TimeSpan.FromMilliseconds(10));
            if (_rtc.Irq.Level)
            {
                serviced++;
                Get(RtcRegister.C);
            }
        }

        Assert.Equal(20, serviced);
    }

    [Fact]
    public void Update_ended_interrupt_once_per_second()
    {
        Set(RtcRegister.B, RegisterB.Hour24 | RegisterB.UpdateEndedInterruptEnable);

        _rtc.Advance(TimeSpan.FromSeconds(1));

        Assert.True(_rtc.Irq.Level);
        Assert.Equal(RegisterC.InterruptRequest | RegisterC.UpdateEnded, Get(RtcRegister.C) & ~RegisterC.Periodic);
    }

    [Fact]
    public void Alarm_interrupt_when_the_time_matches()
    {
        Set(RtcRegister.SecondsAlarm, 0x05);
        Set(RtcRegister.MinutesAlarm, 0x00);
        Set(RtcRegister.HoursAlarm, HourFormat.AlarmDontCare);
        Set(RtcRegister.B, RegisterB.Hour24 | RegisterB.AlarmInterruptEnable);

        _rtc.Advance(TimeSpan.FromSeconds(6));
        Assert.False(_rtc.Irq.Level); // 00:00:04

        _rtc.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_rtc.Irq.Level);
        Assert.Equal(RegisterC.InterruptRequest | RegisterC.Alarm, Get(RtcRegister.C) & (RegisterC.InterruptRequest | RegisterC.Alarm));
    }

    [Fact]
    public void Flags_are_set_without_the_enables_but_do_not_interrupt()
    {
        _rtc.Advance(TimeSpan.FromSeconds(1));

        Assert.False(_rtc.Irq.Level);
        Assert.Equal(RegisterC.UpdateEnded | RegisterC.Periodic, Get(RtcRegister.C));
    }

    [Fact]
    public void Nmi_mask_bit_selects_the_same_register()
    {
        _rtc.Out(RtcPort.Index, RtcPort.NmiDisable | RtcRegister.Year);

        Assert.Equal(0x24, _rtc.In(RtcPort.Data));
        Assert.True(_rtc.Device.Rtc.State.NmiDisabled);
    }

    [Fact]
    public void Cmos_ram_keeps_what_the_guest_writes_and_register_d_reports_valid_ram()
    {
        Set(0x40, 0xa5);
        Set(0x7f, 0x5a);

        Assert.Equal(0xa5, Get(0x40));
        Assert.Equal(0x5a, Get(0x7f));
        Assert.Equal(RegisterD.ValidRamAndTime, Get(RtcRegister.D));
    }

    [Fact]
    public void Memory_size_fields_follow_the_ram_size()
    {
        Assert.Equal(640, Get(CmosField.BaseMemoryLow) | Get(CmosField.BaseMemoryHigh) << 8);
        Assert.Equal(63 * 1024, Get(CmosField.ExtendedMemoryLow) | Get(CmosField.ExtendedMemoryHigh) << 8);
        Assert.Equal(63 * 1024, Get(CmosField.ExtendedMemoryPostLow) | Get(CmosField.ExtendedMemoryPostHigh) << 8);
        Assert.Equal(48 * 16, Get(CmosField.MemoryAbove16MiBLow) | Get(CmosField.MemoryAbove16MiBHigh) << 8);
    }

    [Fact]
    public void Checksum_covers_0x10_to_0x2d()
    {
        int sum = 0;
        for (int i = CmosField.ChecksumFirst; i <= CmosField.ChecksumLast; i++)
            sum += Get(i);

        Assert.Equal(sum, Get(CmosField.ChecksumHigh) << 8 | Get(CmosField.ChecksumLow));
    }

    [Fact]
    public void Extended_memory_is_capped_at_0xffff_kib()
    {
        var cmos = CmosMemoryLayout.For(8UL << 30);

        Assert.Equal(0xffff, cmos[CmosField.ExtendedMemoryLow] | cmos[CmosField.ExtendedMemoryHigh] << 8);
        Assert.Equal(0xffff, cmos[CmosField.MemoryAbove16MiBLow] | cmos[CmosField.MemoryAbove16MiBHigh] << 8);
    }

    [Fact]
    public void Reset_clears_enables_and_flags_but_keeps_time_and_ram()
    {
        Set(0x50, 0x77);
        Set(RtcRegister.B, RegisterB.Hour24 | RegisterB.UpdateEndedInterruptEnable);
        _rtc.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_rtc.Irq.Level);

        _rtc.Device.Reset();

        Assert.False(_rtc.Irq.Level);
        Assert.Equal(RegisterB.Hour24, Get(RtcRegister.B));
        Assert.Equal(0x77, Get(0x50));
        Assert.Equal(0x59, Get(RtcRegister.Seconds));
    }

    [Fact]
    public void A_bad_time_option_is_a_configuration_error()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<Mc146818Device>(new() { ["time"] = "yesterday" }));

        Assert.Equal("time", e.Option);
    }
}
