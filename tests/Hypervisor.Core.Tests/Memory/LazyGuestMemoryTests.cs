using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Tests.Memory;

/// <summary>Guest RAM is an anonymous MAP_NORESERVE mapping: zero on first touch, host RAM only for touched pages.</summary>
public unsafe class LazyGuestMemoryTests
{
    private const ulong GiB = 1ul << 30;

    [Fact]
    public void A_16_GiB_slot_costs_host_ram_only_for_the_pages_the_guest_touches()
    {
        using var memory = new GuestMemory([(0x1000, 16 * GiB)]);
        var slot = memory.Slots[0];
        for (ulong offset = 0; offset < 16 * GiB; offset += GiB)
            slot.HostPointer[offset] = 0x5a; // one page per GiB

        // The mapping's own resident size, so tests running beside this one do not count.
        long resident = ResidentBytesOfMapping((ulong)slot.HostPointer);
        Assert.InRange(resident, 16 * 4096, 16L << 20); // the 16 touched pages (and a neighbour's few), not 16 GiB
        Assert.Equal(0x5a, slot.HostPointer[15 * GiB]);
    }

    [Fact]
    public void Untouched_ram_reads_as_zero_anywhere_in_a_large_slot()
    {
        using var memory = new GuestMemory([(0, 4 * GiB)]);
        var bytes = new byte[64];
        memory.Read(3 * GiB + 0x1234, bytes);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Host_capacity_is_ram_plus_swap_from_proc_meminfo()
    {
        ulong? capacity = HostMemory.Capacity();
        Assert.NotNull(capacity);
        Assert.True(capacity >= (ulong)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2, $"capacity {capacity} is implausibly small");
    }

    [Theory]
    [InlineData(4096ul, "4 KiB")]
    [InlineData(16ul << 30, "16 GiB")]
    [InlineData(3ul << 29, "1.5 GiB")]
    [InlineData(100ul, "100 bytes")]
    public void Sizes_are_described_in_binary_units(ulong bytes, string expected) =>
        Assert.Equal(expected, HostMemory.Describe(bytes));

    /// <summary>The "Rss:" of the mapping holding <paramref name="address"/>, from /proc/self/smaps, in bytes.</summary>
    private static long ResidentBytesOfMapping(ulong address)
    {
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping starts with "start-end perms offset dev inode [path]"; its fields follow, one per line.
            if (line.Length > 0 && Uri.IsHexDigit(line[0]) && line.IndexOf('-') is > 0 and var dash && line.IndexOf(' ') > dash)
            {
                ulong start = Convert.ToUInt64(line[..dash], 16);
                ulong end = Convert.ToUInt64(line[(dash + 1)..line.IndexOf(' ')], 16);
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("Rss:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        throw new InvalidOperationException($"no mapping holds 0x{address:x} in /proc/self/smaps");
    }
}
