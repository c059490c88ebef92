using Hypervisor.Core.Bus;

namespace Hypervisor.Core.Tests.Bus;

public class PortBusTests
{
    [Fact]
    public void Accesses_reach_the_device_relative_to_its_base()
    {
        var bus = new PortBus();
        var uart = new RecordingDevice();
        bus.Register(0x3f8, uart, "com1");

        bus.Write(0x3f8, 1, 0x34);
        uint value = bus.Read(0x3fd, 1);

        Assert.Equal(["out 0/1=34", "in 5/1"], uart.Accesses);
        Assert.Equal(0x45u, value);
        Assert.Equal(2, bus.Find(0x3ff)!.Accesses);
    }

    [Fact]
    public void The_same_device_type_works_at_two_bases()
    {
        var bus = new PortBus();
        var com1 = new RecordingDevice();
        var com2 = new RecordingDevice();
        bus.Register(0x3f8, com1, "com1");
        bus.Register(0x2f8, com2, "com2");

        bus.Write(0x2f9, 1, 1);

        Assert.Empty(com1.Accesses);
        Assert.Equal(["out 1/1=1"], com2.Accesses);
    }

    [Fact]
    public void Overlapping_devices_are_rejected_naming_both()
    {
        var bus = new PortBus();
        bus.Register(0x3f8, new RecordingDevice(), "com1");

        var error = Assert.Throws<BusConflictException>(() => bus.Register(0x3fc, new RecordingDevice(portCount: 2), "logger"));

        Assert.Equal("device 'logger' (ports 0x3fc-0x3fd) overlaps device 'com1' (ports 0x3f8-0x3ff) at port 0x3fc", error.Message);
        Assert.Equal("com1", bus.Find(0x3fc)!.Name); // nothing of the rejected device was registered
    }

    [Fact]
    public void A_device_past_the_end_of_the_port_space_is_rejected()
    {
        var bus = new PortBus();
        Assert.Throws<BusConflictException>(() => bus.Register(0xfffc, new RecordingDevice(), "edge"));
    }

    [Theory]
    [InlineData(1, 0xffu)]
    [InlineData(2, 0xffffu)]
    [InlineData(4, 0xffff_ffffu)]
    public void Unclaimed_ports_read_all_ones_and_are_counted(int size, uint expected)
    {
        var bus = new PortBus();
        var seen = new List<(ulong, int, bool)>();
        bus.UnclaimedAccess = (port, s, write) => seen.Add((port, s, write));

        Assert.Equal(expected, bus.Read(0x80, size));
        bus.Write(0x80, size, 0);

        Assert.Equal(2, bus.UnclaimedAccesses);
        Assert.Equal([(0x80UL, size, false), (0x80UL, size, true)], seen);
    }
}
