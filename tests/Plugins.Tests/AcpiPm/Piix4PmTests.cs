using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;
using MiniVmm.Devices.AcpiPm;

namespace Plugins.Tests.AcpiPm;

/// <summary>
/// The PIIX4 PM function (PIIX4 datasheet, "Power Management Function"; QEMU's hw/acpi/piix4.c):
/// its configuration space, and the ACPI PM block it owns at PMBA while PMREGMISC enables it.
/// Accesses go through the harness's real port bus at guest ports, as the CPU's would.
/// </summary>
public sealed class Piix4PmTests : IDisposable
{
    private const ushort Pm1Status = 0x00, Pm1Enable = 0x02, Pm1Control = 0x04, PmTimer = 0x08;
    private const uint SleepEnable = 1 << 13, SciEnable = 1, PowerButton = 1 << 8;
    private const ushort SeabiosBase = 0xb000;

    private readonly DeviceHarness<Piix4PmDevice> _pm = DeviceHarness.Create<Piix4PmDevice>(settings: new() { Name = "pm" });

    public void Dispose() => _pm.Dispose();

    private IPciFunction Function => _pm.PciFunction(new PciAddress(0, 1, 3));

    /// <summary>What SeaBIOS's piix4_pm_setup writes: PMBA with the I/O bit, then PMIOSE.</summary>
    private void Enable(ushort pmBase)
    {
        Function.WriteConfig(Piix4PmConfig.PmBase, 4, pmBase | 1u);
        Function.WriteConfig(Piix4PmConfig.PmMisc, 1, Piix4PmConfig.PmIoSpaceEnable);
    }

    [Fact]
    public void It_identifies_as_the_piix4_pm_function_at_00_01_3_and_reports_smm_set_up()
    {
        Assert.Equal(0x7113_8086u, Function.ReadConfig(PciConfigRegister.VendorId, 4));
        Assert.Equal(0x0680_0003u, Function.ReadConfig(PciConfigRegister.RevisionId, 4));
        Assert.Equal(1u, Function.ReadConfig(PciConfigRegister.InterruptPin, 1));
        // APMC_EN already set: SeaBIOS skips its SMM relocation, which would wait for an SMI forever.
        Assert.NotEqual(0u, Function.ReadConfig(Piix4PmConfig.DeviceActivityB, 4) & Piix4PmConfig.ApmcEnable);
    }

    [Fact]
    public void Pmba_keeps_its_io_bit_and_64_port_alignment()
    {
        Function.WriteConfig(Piix4PmConfig.PmBase, 4, 0xffff_ffff);
        Assert.Equal(0xffc1u, Function.ReadConfig(Piix4PmConfig.PmBase, 4));
    }

    [Fact]
    public void Nothing_decodes_before_the_guest_enables_the_block()
    {
        Assert.Empty(_pm.Buses.Mapped);
        Function.WriteConfig(Piix4PmConfig.PmBase, 4, SeabiosBase | 1u); // PMBA alone: PMIOSE still 0
        Assert.Empty(_pm.Buses.Mapped);
        Assert.Null(_pm.Device.PmIoBase);
        Assert.Equal(0xffffu, _pm.Buses.In(SeabiosBase + Pm1Control, 2));
    }

    [Fact]
    public void Programming_pmba_and_pmregmisc_maps_the_block_there()
    {
        Enable(SeabiosBase);

        Assert.Equal(["pm PMBA ports 0xb000-0xb03f"], _pm.Buses.Mapped);
        Assert.Equal((ushort)SeabiosBase, _pm.Device.PmIoBase);
        Assert.Equal(SciEnable, _pm.Buses.In(SeabiosBase + Pm1Control, 2) & SciEnable);
    }

    [Fact]
    public void Enabling_before_programming_the_base_maps_nothing_until_the_base_is_written()
    {
        Function.WriteConfig(Piix4PmConfig.PmMisc, 1, Piix4PmConfig.PmIoSpaceEnable);
        Assert.Empty(_pm.Buses.Mapped); // PMBA 0 decodes nothing, as an unprogrammed BAR

        Function.WriteConfig(Piix4PmConfig.PmBase, 2, SeabiosBase | 1u);
        Assert.Equal(["pm PMBA ports 0xb000-0xb03f"], _pm.Buses.Mapped);
    }

    [Fact]
    public void Rewriting_pmba_moves_the_block()
    {
        Enable(SeabiosBase);
        Function.WriteConfig(Piix4PmConfig.PmBase, 4, 0x0c00 | 1u);

        Assert.Equal(["pm PMBA ports 0xc00-0xc3f"], _pm.Buses.Mapped);
        Assert.Equal(0xffffu, _pm.Buses.In(SeabiosBase + Pm1Control, 2));
        Assert.Equal(SciEnable, _pm.Buses.In(0x0c00 + Pm1Control, 2) & SciEnable);
    }

    [Fact]
    public void Clearing_pmregmisc_unmaps_the_block()
    {
        Enable(SeabiosBase);
        Function.WriteConfig(Piix4PmConfig.PmMisc, 1, 0);

        Assert.Empty(_pm.Buses.Mapped);
        Assert.Null(_pm.Device.PmIoBase);
        Assert.Equal(0xffff_ffffu, _pm.Buses.In(SeabiosBase + PmTimer, 4));
    }

    [Fact]
    public void The_pm_timer_counts_at_3_579545_mhz_through_the_new_base()
    {
        Enable(SeabiosBase);
        Function.WriteConfig(Piix4PmConfig.PmBase, 4, 0xe000 | 1u);

        uint before = _pm.Buses.In(0xe000 + PmTimer, 4);
        _pm.Advance(TimeSpan.FromMilliseconds(10));
        uint after = _pm.Buses.In(0xe000 + PmTimer, 4);
        Assert.Equal(35_795u, (after - before) & 0xff_ffff);
    }

    [Fact]
    public void Slp_en_with_the_s5_type_at_pmba_powers_the_machine_off_with_exit_code_0()
    {
        Enable(SeabiosBase);
        _pm.Buses.Out(SeabiosBase + Pm1Control, 2, SciEnable | (0u << 10) | SleepEnable);

        Assert.Equal(0, _pm.Vm.ExitCode);
        Assert.Contains("powered off (ACPI S5)", _pm.Vm.StopRequests[0].Reason);
    }

    [Fact]
    public void The_sci_is_irq_9_by_default_and_follows_the_enabled_power_button()
    {
        Enable(SeabiosBase);
        Assert.Equal(9, _pm.Irq.Number);

        _pm.Buses.Out(SeabiosBase + Pm1Enable, 2, PowerButton);
        _pm.Device.Block.PressPowerButton();
        Assert.True(_pm.Irq.Level);

        _pm.Buses.Out(SeabiosBase + Pm1Status, 2, PowerButton); // write 1 to clear
        Assert.False(_pm.Irq.Level);
    }

    [Fact]
    public void Reset_unmaps_the_block_and_clears_pmba()
    {
        Enable(SeabiosBase);
        _pm.Device.Reset();

        Assert.Empty(_pm.Buses.Mapped);
        Assert.Equal(1u, Function.ReadConfig(Piix4PmConfig.PmBase, 4));
        Assert.Equal(0u, Function.ReadConfig(Piix4PmConfig.PmMisc, 1));
    }

    [Fact]
    public void Another_pci_address_is_taken_from_the_option()
    {
        using var moved = DeviceHarness.Create<Piix4PmDevice>(new() { ["pciAddress"] = "00:07.3" });
        Assert.Equal(0x7113_8086u, moved.PciFunction(new PciAddress(0, 7, 3)).ReadConfig(PciConfigRegister.VendorId, 4));
    }

    [Fact]
    public void Disposing_unmaps_the_block_and_leaves_the_bus()
    {
        var pm = DeviceHarness.Create<Piix4PmDevice>(settings: new() { Name = "pm" });
        pm.PciFunction(new PciAddress(0, 1, 3)).WriteConfig(Piix4PmConfig.PmBase, 4, SeabiosBase | 1u);
        pm.PciFunction(new PciAddress(0, 1, 3)).WriteConfig(Piix4PmConfig.PmMisc, 1, Piix4PmConfig.PmIoSpaceEnable);
        pm.Dispose();

        Assert.Empty(pm.Buses.Mapped);
        Assert.Null(pm.Pci.Find(new PciAddress(0, 1, 3)));
    }
}
