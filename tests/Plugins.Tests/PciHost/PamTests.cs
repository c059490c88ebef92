using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pci;

namespace Plugins.Tests.PciHost;

/// <summary>
/// The i440FX PAM registers (82441FX datasheet 3.2.18, configuration 0x59-0x5F of 00:00.0) drive
/// the machine's shadow RAM switches, as SeaBIOS's make_bios_writable and make_bios_readonly use them.
/// </summary>
public sealed class PamTests : IDisposable
{
    private sealed class RecordingMemoryMap : IMemoryMap
    {
        public readonly Dictionary<ulong, ShadowAccess> Segments = [];
        public int Calls;

        public void SetShadow(ulong address, ulong length, ShadowAccess access)
        {
            Calls++;
            for (ulong a = address; a < address + length; a += 0x4000)
                Segments[a] = access;
        }
    }

    private readonly RecordingMemoryMap _map = new();
    private readonly DeviceHarness<PciHostDevice> _host;

    public PamTests() => _host = DeviceHarness.Create<PciHostDevice>(settings: new() { PortBase = 0xcf8, MemoryMap = _map });

    public void Dispose() => _host.Dispose();

    private void WriteDword(int register, uint value)
    {
        _host.Write(PciHostPort.Address, 4, ConfigAddress.For(HostBridge.Address, register));
        _host.Write(PciHostPort.Data, 4, value);
    }

    private uint ReadDword(int register)
    {
        _host.Write(PciHostPort.Address, 4, ConfigAddress.For(HostBridge.Address, register));
        return _host.Read(PciHostPort.Data, 4);
    }

    [Fact]
    public void Make_bios_writable_turns_every_segment_into_read_write_shadow_ram()
    {
        // SeaBIOS: PAM0 (0x59) = 0x30, PAM1-6 (0x5a-0x5f) = 0x33, written as the dwords at 0x58 and 0x5c.
        WriteDword(0x58, 0x3333_3000);
        WriteDword(0x5c, 0x3333_3333);

        Assert.Equal(0x3333_3000u, ReadDword(0x58));
        Assert.Equal(ShadowAccess.ReadWriteRam, _map.Segments[0xF0000]);
        Assert.Equal(ShadowAccess.ReadWriteRam, _map.Segments[0xFC000]);
        for (ulong segment = 0xC0000; segment < 0xF0000; segment += 0x4000)
            Assert.Equal(ShadowAccess.ReadWriteRam, _map.Segments[segment]);
    }

    [Fact]
    public void Each_nibble_sets_read_and_write_enable_of_its_segment()
    {
        WriteDword(0x58, 0x0000_1000); // PAM0: RE only (make_bios_readonly)
        WriteDword(0x5c, 0x0200_0000); // PAM6 (0x5f) low nibble (0xE8000): WE only

        Assert.Equal(ShadowAccess.ReadRam, _map.Segments[0xF0000]);
        Assert.Equal(ShadowAccess.WriteRam, _map.Segments[0xE8000]);
        Assert.Equal(ShadowAccess.None, _map.Segments[0xEC000]);
        Assert.Equal(ShadowAccess.None, _map.Segments[0xC0000]);
    }

    [Fact]
    public void Reserved_bits_read_as_zero()
    {
        WriteDword(0x58, 0xffff_ffff);
        WriteDword(0x5c, 0xffff_ffff);

        Assert.Equal(0x3333_3000u, ReadDword(0x58)); // PAM0's low nibble and bits 2-3 of each nibble are reserved
        Assert.Equal(0x3333_3333u, ReadDword(0x5c));
    }

    [Fact]
    public void A_machine_reset_puts_every_segment_back_on_the_rom()
    {
        WriteDword(0x58, 0x3333_3000);
        _host.Device.Reset();

        Assert.All(_map.Segments.Values, access => Assert.Equal(ShadowAccess.None, access));
        Assert.Equal(0u, ReadDword(0x58));
    }

    [Fact]
    public void Other_registers_leave_the_map_alone()
    {
        int before = _map.Calls;
        WriteDword(0x04, 0x0000_0006); // command register

        Assert.Equal(before, _map.Calls);
    }

    [Fact]
    public void The_host_bridge_carries_qemus_subsystem_ids()
    {
        Assert.Equal(0x1100_1af4u, ReadDword(0x2c)); // SeaBIOS checks these to know it runs on QEMU's platform
    }
}
