using Hypervisor.Core.Bus;

namespace Hypervisor.Core.Tests.Bus;

public class MmioBusTests
{
    [Fact]
    public void Binary_search_finds_each_of_many_ranges()
    {
        var bus = new MmioBus();
        var devices = Enumerable.Range(0, 50).Select(_ => new RecordingDevice(mmioSize: 0x100)).ToArray();
        // Registered out of order: the bus keeps them sorted.
        foreach (int i in Enumerable.Range(0, 50).Reverse())
            bus.Register(0xfe00_0000UL + (ulong)i * 0x1000, devices[i], $"dev{i}");

        for (int i = 0; i < 50; i++)
        {
            ulong address = 0xfe00_0000UL + (ulong)i * 0x1000 + 0x10;
            Assert.Equal($"dev{i}", bus.Find(address)!.Name);
            Assert.Equal(0x50UL, bus.Read(address, 4));
        }
        Assert.Null(bus.Find(0xfe00_0100)); // the gap after dev0's 0x100 bytes
    }

    [Fact]
    public void Stores_arrive_with_offset_size_and_value()
    {
        var bus = new MmioBus();
        var device = new RecordingDevice();
        bus.Register(0xd000_0000, device, "rtc");
        bus.Write(0xd000_0008, 8, 0x1122_3344_5566_7788);
        Assert.Equal(["store 8/8=1122334455667788"], device.Accesses);
    }

    [Fact]
    public void Overlapping_ranges_are_rejected_naming_both()
    {
        var bus = new MmioBus();
        bus.Register(0x1000_0000, new RecordingDevice(mmioSize: 0x1000), "a");
        var error = Assert.Throws<BusConflictException>(() => bus.Register(0x1000_0800, new RecordingDevice(mmioSize: 0x1000), "b"));
        Assert.Equal("device 'b' (MMIO 0x10000800-0x100017ff) overlaps device 'a' (MMIO 0x10000000-0x10000fff)", error.Message);
    }

    [Fact]
    public void Unclaimed_addresses_read_all_ones()
    {
        var bus = new MmioBus();
        Assert.Equal(0xffff_ffffUL, bus.Read(0x1234, 4));
        Assert.Equal(ulong.MaxValue, bus.Read(0x1234, 8));
        bus.Write(0x1234, 1, 0);
        Assert.Equal(3, bus.UnclaimedAccesses);
    }
}
