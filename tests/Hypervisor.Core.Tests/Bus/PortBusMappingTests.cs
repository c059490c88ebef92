using Hypervisor.Core.Bus;

namespace Hypervisor.Core.Tests.Bus;

/// <summary>Regions that move at run time (PCI I/O BARs): Map, Unregister, and QEMU's overlap rule.</summary>
public class PortBusMappingTests
{
    [Fact]
    public void A_mapped_region_decodes_until_it_is_unregistered()
    {
        var bus = new PortBus();
        var bar = new RecordingDevice(portCount: 16);
        var region = bus.Map(0xc000, bar, "nic BAR0");

        Assert.Equal(0x43u, bus.Read(0xc003, 1));
        bus.Unregister(region);

        Assert.Equal(0xffu, bus.Read(0xc003, 1));
        Assert.Null(bus.Find(0xc000));
        Assert.Null(bus.Find(0xc00f));
        Assert.Empty(bus.Registrations);
        Assert.Equal(["in 3/1"], bar.Accesses);
    }

    [Fact]
    public void Moving_a_region_frees_its_old_ports_and_claims_the_new_ones()
    {
        var bus = new PortBus();
        var bar = new RecordingDevice(portCount: 4);
        bus.Unregister(bus.Map(0xc000, bar, "bar"));
        bus.Map(0xd000, bar, "bar");

        Assert.Null(bus.Find(0xc000));
        Assert.Equal("bar", bus.Find(0xd003)!.Name);
        Assert.Null(bus.Find(0xd004));
    }

    [Fact]
    public void A_later_mapping_hides_an_isa_device_and_uncovers_it_when_it_goes()
    {
        var bus = new PortBus();
        var uart = new RecordingDevice(portCount: 8);
        bus.Register(0x3f8, uart, "com1");
        var bar = bus.Map(0x3fc, new RecordingDevice(portCount: 4), "edu BAR1");

        Assert.Equal("com1", bus.Find(0x3fb)!.Name);
        Assert.Equal("edu BAR1", bus.Find(0x3fc)!.Name);
        Assert.Equal("edu BAR1", bus.Find(0x3ff)!.Name);

        bus.Unregister(bar);

        Assert.Equal("com1", bus.Find(0x3fc)!.Name);
        Assert.Equal(0x45u, bus.Read(0x3fd, 1)); // offset 5 from com1's base again
    }

    [Fact]
    public void Of_two_overlapping_mappings_the_newer_decodes_and_the_older_returns()
    {
        var bus = new PortBus();
        var older = bus.Map(0x1000, new RecordingDevice(portCount: 16), "older");
        var newer = bus.Map(0x1008, new RecordingDevice(portCount: 16), "newer");

        Assert.Equal("older", bus.Find(0x1007)!.Name);
        Assert.Equal("newer", bus.Find(0x1008)!.Name);
        Assert.Equal(0x40u, bus.Read(0x1008, 1)); // offsets count from the newer region's base

        bus.Unregister(newer);
        Assert.Equal("older", bus.Find(0x100f)!.Name);
        Assert.Null(bus.Find(0x1010));

        bus.Unregister(older);
        bus.Unregister(older); // twice is harmless
        Assert.Empty(bus.Registrations);
    }

    [Fact]
    public void Unregistering_an_older_region_keeps_the_newer_one_on_top()
    {
        var bus = new PortBus();
        var older = bus.Map(0x1000, new RecordingDevice(portCount: 16), "older");
        bus.Map(0x1008, new RecordingDevice(portCount: 16), "newer");

        bus.Unregister(older);

        Assert.Null(bus.Find(0x1007));
        Assert.Equal("newer", bus.Find(0x1008)!.Name);
    }

    [Fact]
    public void Machine_file_registration_still_rejects_an_overlap_with_a_mapped_region()
    {
        var bus = new PortBus();
        bus.Map(0x3f8, new RecordingDevice(portCount: 8), "bar");
        Assert.Throws<BusConflictException>(() => bus.Register(0x3f8, new RecordingDevice(), "com1"));
    }

    [Fact]
    public void A_region_past_the_port_space_is_refused()
    {
        var bus = new PortBus();
        var error = Assert.Throws<BusConflictException>(() => bus.Map(0xfff0, new RecordingDevice(portCount: 32), "bar"));
        Assert.Contains("64 Ki", error.Message);
    }

    [Fact]
    public async Task Dispatch_stays_consistent_while_another_thread_remaps()
    {
        var bus = new PortBus();
        var a = new CountingPorts(0xaa);
        var b = new CountingPorts(0xbb);
        using var stop = new CancellationTokenSource();
        var remapper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                bus.Unregister(bus.Map(0xc000, a, "a"));
                bus.Unregister(bus.Map(0xc000, b, "b"));
            }
        });
        for (int i = 0; i < 200_000; i++)
        {
            uint value = bus.Read(0xc002, 1);
            Assert.True(value is 0xaa or 0xbb or 0xff, $"read 0x{value:x}");
        }
        stop.Cancel();
        await remapper;
    }

    private sealed class CountingPorts(byte answer) : Hypervisor.Abstractions.IPortDevice
    {
        public int PortCount => 4;
        public uint Read(ushort offset, int size) => offset == 2 ? answer : 0u;
        public void Write(ushort offset, int size, uint value) { }
    }
}
