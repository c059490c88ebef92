using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;
using MiniVmm.Devices.Pci;

namespace Plugins.Tests.PciHost;

/// <summary>Configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2) and the 0xcf9 register.</summary>
public sealed class PciHostTests : IDisposable
{
    private readonly DeviceHarness<PciHostDevice> _host = DeviceHarness.Create<PciHostDevice>(settings: new() { PortBase = 0xcf8 });

    public void Dispose() => _host.Dispose();

    private void Select(PciAddress function, int register) => _host.Write(PciHostPort.Address, 4, ConfigAddress.For(function, register));

    private uint ReadDword(PciAddress function, int register)
    {
        Select(function, register);
        return _host.Read(PciHostPort.Data, 4);
    }

    [Fact]
    public void Host_bridge_at_00_00_0_is_an_i440fx()
    {
        Assert.Equal(0x1237_8086u, ReadDword(HostBridge.Address, PciConfigRegister.VendorId));
        Assert.Equal(0x0600_0002u, ReadDword(HostBridge.Address, PciConfigRegister.RevisionId));
    }

    [Fact]
    public void Absent_functions_read_all_ones()
    {
        Assert.Equal(0xffff_ffffu, ReadDword(new PciAddress(0, 5, 0), 0));
        Assert.Equal(0xffff_ffffu, ReadDword(new PciAddress(1, 0, 0), 0));
        Select(new PciAddress(0, 7, 3), 0);
        Assert.Equal(0xffffu, _host.Read(PciHostPort.Data + 2, 2));
    }

    [Fact]
    public void Without_the_enable_bit_data_reads_all_ones()
    {
        _host.Write(PciHostPort.Address, 4, 0x0000_0000);

        Assert.Equal(0xffff_ffffu, _host.Read(PciHostPort.Data, 4));
    }

    [Fact]
    public void Byte_and_word_accesses_at_any_offset_of_config_data()
    {
        Select(HostBridge.Address, 0);

        Assert.Equal(0x8086u, _host.Read(PciHostPort.Data, 2));
        Assert.Equal(0x1237u, _host.Read(PciHostPort.Data + 2, 2));
        Assert.Equal(0x80u, _host.Read(PciHostPort.Data + 1, 1));
        Assert.Equal(0x12u, _host.Read(PciHostPort.Data + 3, 1));
        Assert.Equal(0x3780u, _host.Read(PciHostPort.Data + 1, 2));
    }

    [Fact]
    public void Config_address_reads_back_without_its_reserved_bits()
    {
        _host.Write(PciHostPort.Address, 4, 0xffff_ffff);

        Assert.Equal(ConfigAddress.Implemented, _host.Read(PciHostPort.Address, 4));
    }

    [Fact]
    public void Identity_registers_are_read_only_and_the_command_register_is_writable()
    {
        Select(HostBridge.Address, 0);
        _host.Write(PciHostPort.Data, 4, 0);
        Assert.Equal(0x1237_8086u, _host.Read(PciHostPort.Data, 4));

        Select(HostBridge.Address, PciConfigRegister.Command);
        _host.Write(PciHostPort.Data, 2, 0xffff);
        Assert.Equal((uint)PciCommand.Writable, _host.Read(PciHostPort.Data, 2));
    }

    [Fact]
    public void Reset_control_at_0xcf9_resets_on_0x06_but_not_through_a_dword_config_address_write()
    {
        _host.Write(PciHostPort.Address, 4, 0x8000_0600); // byte 1 is 0x06, but this is CONFIG_ADDRESS
        Assert.Empty(_host.Vm.ResetRequests);

        _host.Out(PciHostPort.ResetControl, 0x06);

        Assert.Single(_host.Vm.ResetRequests);
        Assert.Contains("hard", _host.Vm.ResetRequests[0]);
    }

    [Fact]
    public void Full_reset_through_0xcf9()
    {
        _host.Out(PciHostPort.ResetControl, 0x0e);

        Assert.Contains("full", Assert.Single(_host.Vm.ResetRequests));
    }

    [Fact]
    public void Functions_a_plugin_adds_are_reachable_and_their_addresses_unique()
    {
        var bus = _host.Pci;
        var nic = new PciConfigSpace(0x10ec, 0x8139, 0x02_00_00);
        bus.Add(new PciAddress(0, 3, 0), nic, "nic");

        Assert.Equal(0x8139_10ecu, ReadDword(new PciAddress(0, 3, 0), 0));
        var e = Assert.Throws<DeviceConfigurationException>(() => bus.Add(new PciAddress(0, 3, 0), nic, "nic2"));
        Assert.Contains("'nic'", e.Message);
    }

    [Fact]
    public void A_second_pci_host_in_one_machine_is_a_configuration_error()
    {
        Assert.Throws<DeviceConfigurationException>(() => _host.AddDevice<PciHostDevice>("pci2", port: 0xd00));
    }
}
