using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;

namespace Hypervisor.Core.Tests.Bus;

/// <summary>Regions that move at run time (PCI memory BARs): Map, Unregister, overlaps and the last-hit cache.</summary>
public class MmioBusMappingTests
{
    [Fact]
    public void An_unregistered_region_is_not_served_from_the_last_hit_cache()
    {
        var bus = new MmioBus();
        var region = bus.Map(0xfe00_0000, new RecordingDevice(mmioSize: 0x1000), "edu BAR0");
        Assert.Equal(0x44UL, bus.Read(0xfe00_0004, 4)); // now the cached hit

        bus.Unregister(region);

        Assert.Null(bus.Find(0xfe00_0004));
        Assert.Equal(0xffff_ffffUL, bus.Read(0xfe00_0004, 4));
    }

    [Fact]
    public void A_moved_region_answers_at_its_new_address_with_the_same_offsets()
    {
        var bus = new MmioBus();
        var bar = new RecordingDevice(mmioSize: 0x1000);
        bus.Unregister(bus.Map(0xfe00_0000, bar, "bar"));
        bus.Map(0xfd00_0000, bar, "bar");

        Assert.Null(bus.Find(0xfe00_0000));
        bus.Write(0xfd00_0008, 4, 0x1234);
        Assert.Equal(["store 8/4=1234"], bar.Accesses);
    }

    [Fact]
    public void A_later_mapping_covers_the_middle_of_an_earlier_one_which_reappears()
    {
        var bus = new MmioBus();
        bus.Register(0x1000_0000, new RecordingDevice(mmioSize: 0x3000), "rom");
        var bar = bus.Map(0x1000_1000, new RecordingDevice(mmioSize: 0x1000), "bar");

        Assert.Equal("rom", bus.Find(0x1000_0fff)!.Name);
        Assert.Equal("bar", bus.Find(0x1000_1000)!.Name);
        Assert.Equal("rom", bus.Find(0x1000_2000)!.Name);
        Assert.Equal(0x40UL + 0x2000, bus.Read(0x1000_2000, 4)); // the earlier region keeps its own offsets
        Assert.Equal(0x40UL, bus.Read(0x1000_1000, 4));

        bus.Unregister(bar);

        Assert.Equal("rom", bus.Find(0x1000_1800)!.Name);
        Assert.Equal(0x40UL + 0x1800, bus.Read(0x1000_1800, 4));
    }

    [Fact]
    public void Of_many_stacked_mappings_the_newest_decodes_each_address()
    {
        var bus = new MmioBus();
        var a = bus.Map(0x0, new RecordingDevice(mmioSize: 0x400), "a");
        var b = bus.Map(0x100, new RecordingDevice(mmioSize: 0x100), "b");
        bus.Map(0x180, new RecordingDevice(mmioSize: 0x100), "c");

        string Owner(ulong address) => bus.Find(address)?.Name ?? "-";
        Assert.Equal(["a", "b", "c", "c", "a", "-"], new ulong[] { 0x0, 0x100, 0x180, 0x27f, 0x280, 0x400 }.Select(Owner));

        bus.Unregister(b);
        Assert.Equal(["a", "a", "c"], new ulong[] { 0x100, 0x17f, 0x180 }.Select(Owner));
        bus.Unregister(a);
        Assert.Equal(["-", "c", "-"], new ulong[] { 0x100, 0x180, 0x280 }.Select(Owner));
    }

    [Fact]
    public void Registrations_list_every_claim_in_mapping_order()
    {
        var bus = new MmioBus();
        bus.Map(0x2000, new RecordingDevice(), "later-address");
        bus.Map(0x1000, new RecordingDevice(), "earlier-address");
        Assert.Equal(["later-address", "earlier-address"], bus.Registrations.Select(r => r.Name));
    }

    [Fact]
    public void Accesses_of_unmapped_regions_are_kept_by_name_for_the_statistics()
    {
        var bus = new MmioBus();
        var device = new RecordingDevice(mmioSize: 0x100);
        var first = bus.Map(0x1000, device, "edu BAR0");
        bus.Read(0x1000, 4);
        bus.Unregister(first);
        var second = bus.Map(0x2000, device, "edu BAR0");
        bus.Read(0x2000, 4);
        bus.Read(0x2004, 4);
        bus.Unregister(second);

        Assert.Equal(new UnmappedAccesses(3, "mmio 0x2000-0x20ff"), bus.Unmapped["edu BAR0"]);
    }

    [Fact]
    public void A_region_wrapping_the_address_space_is_refused()
    {
        var bus = new MmioBus();
        Assert.Throws<BusConflictException>(() => bus.Map(ulong.MaxValue - 0xff, new RecordingDevice(mmioSize: 0x100), "bar"));
    }

    [Fact]
    public async Task Dispatch_never_reaches_an_unmapped_region_after_the_unmap_returns()
    {
        var bus = new MmioBus();
        var gone = new AnswerDevice(0xdead);
        var stays = new AnswerDevice(0x600d);
        bus.Register(0x9000, stays, "stays");
        using var stop = new CancellationTokenSource();
        // Another "vCPU" keeps refreshing the last-hit cache while the region comes and goes.
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                bus.Read(0x8000, 4);
                bus.Read(0x9000, 4);
            }
        });
        for (int i = 0; i < 2000; i++)
        {
            bus.Unregister(bus.Map(0x8000, gone, "gone"));
            Assert.Equal(0xffff_ffffUL, bus.Read(0x8000, 4));
        }
        stop.Cancel();
        await reader;
    }

    private sealed class AnswerDevice(ulong answer) : IMmioDevice
    {
        public ulong MmioSize => 0x100;
        public ulong Read(ulong offset, int size) => answer;
        public void Write(ulong offset, int size, ulong value) { }
    }
}
