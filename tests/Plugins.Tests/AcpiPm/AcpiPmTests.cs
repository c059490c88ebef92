using Hypervisor.Testing;
using MiniVmm.Devices.AcpiPm;

namespace Plugins.Tests.AcpiPm;

// The device class, not this namespace (named after the plugin).
using AcpiPm = MiniVmm.Devices.AcpiPm.AcpiPm;

/// <summary>The ACPI PM block (ACPI 6.5 section 4.8, PIIX4 layout): PM timer, PM1 status/enable/control, S5, the SCI.</summary>
public sealed class AcpiPmTests : IDisposable
{
    private const ushort Pm1Status = 0x00, Pm1Enable = 0x02, Pm1Control = 0x04, PmTimer = 0x08;
    private const uint SleepEnable = 1 << 13, SciEnable = 1;

    private readonly DeviceHarness<AcpiPm> _pm = DeviceHarness.Create<AcpiPm>(settings: new() { Irq = 9, PortBase = 0x600 });

    public void Dispose() => _pm.Dispose();

    [Fact]
    public void The_pm_timer_counts_at_3_579545_mhz_of_machine_time()
    {
        uint before = _pm.Read(PmTimer, 4);
        _pm.Advance(TimeSpan.FromMilliseconds(10));
        uint after = _pm.Read(PmTimer, 4);
        Assert.Equal(35_795u, (after - before) & 0xff_ffff);
    }

    [Fact]
    public void The_pm_timer_wraps_at_24_bits()
    {
        _pm.Advance(TimeSpan.FromSeconds(5)); // 17.9 M ticks: past 2^24
        Assert.True(_pm.Read(PmTimer, 4) <= 0xff_ffff);
        Assert.Equal((uint)(5 * AcpiPm.TimerHz) & 0xff_ffff, _pm.Read(PmTimer, 4));
    }

    [Fact]
    public void The_machine_starts_in_acpi_mode()
    {
        Assert.Equal(SciEnable, _pm.Read(Pm1Control, 2) & SciEnable);
    }

    [Fact]
    public void Slp_en_with_the_s5_type_powers_the_machine_off_with_exit_code_0()
    {
        _pm.Write(Pm1Control, 2, SciEnable | (0u << 10) | SleepEnable);
        Assert.Equal(0, _pm.Vm.ExitCode);
        Assert.Contains("powered off", _pm.Vm.StopRequests[0].Reason);
    }

    [Fact]
    public void Another_sleep_type_does_not_power_off_and_slp_en_reads_as_zero()
    {
        _pm.Write(Pm1Control, 2, SciEnable | (1u << 10) | SleepEnable);
        Assert.False(_pm.Vm.StopRequested);
        Assert.Equal(0u, _pm.Read(Pm1Control, 2) & SleepEnable);
        Assert.Equal(1u << 10, _pm.Read(Pm1Control, 2) & (7u << 10));
    }

    [Fact]
    public void The_power_button_raises_the_sci_only_when_enabled_and_clears_by_writing_one()
    {
        _pm.Device.PressPowerButton();
        Assert.Equal(0x100u, _pm.Read(Pm1Status, 2) & 0x100);
        Assert.False(_pm.Irq.Level);

        _pm.Write(Pm1Enable, 2, 0x100);
        Assert.True(_pm.Irq.Level);

        _pm.Write(Pm1Status, 2, 0x100);
        Assert.Equal(0u, _pm.Read(Pm1Status, 2) & 0x100);
        Assert.False(_pm.Irq.Level);
    }

    [Fact]
    public void An_enabled_timer_raises_the_sci_when_bit_23_changes()
    {
        _pm.Write(Pm1Status, 2, 0xffff);
        _pm.Write(Pm1Enable, 2, 0x1);
        Assert.False(_pm.Irq.Level);

        _pm.Advance(TimeSpan.FromSeconds(2.35)); // 2^23 ticks = 2.34 s
        Assert.True(_pm.Irq.Level);
        Assert.Equal(1u, _pm.Read(Pm1Status, 2) & 1);
    }

    [Fact]
    public void It_tells_the_acpi_tables_where_its_registers_are()
    {
        Assert.Equal(0x600, _pm.Device.Pm1aEventBlock);
        Assert.Equal(0x604, _pm.Device.Pm1aControlBlock);
        Assert.Equal(0x608, _pm.Device.PmTimerBlock);
        Assert.Equal(9, _pm.Device.SciInterrupt);
    }

    [Fact]
    public void Reset_clears_the_status_and_enables()
    {
        _pm.Device.PressPowerButton();
        _pm.Write(Pm1Enable, 2, 0x100);
        _pm.Device.Reset();
        Assert.Equal(0u, _pm.Read(Pm1Status, 2));
        Assert.Equal(0u, _pm.Read(Pm1Enable, 2));
        Assert.False(_pm.Irq.Level);
    }
}
