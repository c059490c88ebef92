using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Tests.Memory;

public unsafe class GuestMemoryTests
{
    [Fact]
    public void Reads_and_writes_span_adjacent_slots()
    {
        using var memory = new GuestMemory([(0x2000, 0x1000), (0x1000, 0x1000)]);
        byte[] data = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

        memory.Write(0x1ff0, data);
        var back = new byte[32];
        memory.Read(0x1ff0, back);

        Assert.Equal(data, back);
        Assert.Equal([0x1000UL, 0x2000UL], memory.Slots.Select(s => s.GuestAddress));
        Assert.Equal(16, memory.Slots[1].HostPointer[0]); // byte 16 landed at the second slot's start
    }

    [Fact]
    public void Accesses_outside_ram_throw_and_name_the_range()
    {
        using var memory = new GuestMemory([(0x1000, 0x1000)]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(0x1ffe, new byte[4]));
        Assert.Contains("[0x2000, 0x2002) is not RAM", error.Message);
        Assert.False(memory.IsRam(0xfff, 2));
        Assert.True(memory.IsRam(0x1000, 0x1000));
    }

    [Fact]
    public void Host_pointers_are_given_only_for_ranges_inside_one_slot()
    {
        using var memory = new GuestMemory([(0x0, 0x1000), (0x1000, 0x1000)]);
        Assert.True(memory.TryGetHostPointer(0x10, 4) != null);
        Assert.True(memory.TryGetHostPointer(0xffe, 4) == null);
        Assert.True(memory.TryGetHostPointer(0x5000, 1) == null);
    }

    [Fact]
    public void Slots_must_be_page_aligned_and_must_not_overlap()
    {
        Assert.Throws<ArgumentException>(() => new GuestMemory([(0x100, 0x1000)]));
        Assert.Throws<ArgumentException>(() => new GuestMemory([(0x0, 0x2000), (0x1000, 0x1000)]));
    }

    [Fact]
    public void Device_writes_are_reported_so_decoded_code_can_be_dropped()
    {
        using var memory = new GuestMemory([(0x0, 0x1000)]);
        var writes = new List<(ulong, int)>();
        memory.ExternalWrite += (address, length) => writes.Add((address, length));
        memory.Write(0x100, new byte[3]);
        Assert.Equal([(0x100UL, 3)], writes);
    }
}
