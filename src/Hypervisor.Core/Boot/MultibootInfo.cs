using System.Buffers.Binary;
using System.Text;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// Writes what a Multiboot v1 kernel receives besides its image: a flat GDT, the
/// <c>multiboot_info</c> structure (memory sizes, memory map, command line, boot loader name) and
/// room for a small stack, in one block of free low RAM that the kernel's segments do not use.
/// </summary>
public static class MultibootInfo
{
    public const string BootLoaderName = "minivmm";

    /// <summary>Where the boot data goes when that RAM is free: below the 32 KiB mark, like GRUB's.</summary>
    public const ulong PreferredAddress = 0x8000;
    /// <summary>Stack room below the boot data (ESP starts at the boot data's address).</summary>
    public const ulong StackReserve = 0x4000;

    // multiboot_info flags (Multiboot specification 0.6.96, section 3.3).
    public const uint FlagMemory = 1u << 0;
    public const uint FlagCommandLine = 1u << 2;
    public const uint FlagModules = 1u << 3;
    public const uint FlagMemoryMap = 1u << 6;
    public const uint FlagBootLoaderName = 1u << 9;

    // multiboot_info field offsets.
    public const int OffsetFlags = 0;
    public const int OffsetMemLower = 4;
    public const int OffsetMemUpper = 8;
    public const int OffsetCommandLine = 16;
    public const int OffsetModsCount = 20;
    public const int OffsetModsAddress = 24;
    public const int OffsetMmapLength = 44;
    public const int OffsetMmapAddress = 48;
    public const int OffsetBootLoaderName = 64;
    public const int InfoSize = 88;

    /// <summary>Size of one memory-map entry, including its leading size field.</summary>
    public const int MmapEntrySize = 24;
    public const uint MmapTypeUsable = 1;

    /// <summary>Flat 4 GiB ring-0 code and data descriptors, at selectors 0x08 and 0x10.</summary>
    public const ushort CodeSelector = EntryStates.FlatCodeSelector;
    public const ushort DataSelector = EntryStates.FlatDataSelector;
    public const ulong FlatCodeDescriptor = 0x00cf9a000000ffff;
    public const ulong FlatDataDescriptor = 0x00cf92000000ffff;
    public const int GdtSize = 3 * 8;

    private const int OffsetGdt = 0x00;
    private const int OffsetInfo = 0x20;
    private const int OffsetLoaderName = OffsetInfo + InfoSize;
    private const int OffsetMmap = 0x80;
    private const ulong LowMemoryEnd = 0xa0000;
    private const ulong HighMemoryStart = 0x100000;

    /// <summary>Addresses of the block <see cref="Write"/> placed.</summary>
    public readonly record struct Placement(ulong GdtAddress, ulong InfoAddress, ulong StackTop);

    /// <summary>
    /// Builds the boot data for <paramref name="commandLine"/> and writes it into free RAM outside
    /// <paramref name="kernelRanges"/> (half-open physical ranges the kernel occupies).
    /// </summary>
    public static Placement Write(GuestMemory memory, IReadOnlyList<(ulong Start, ulong End)> kernelRanges, string kernelPath, string commandLine)
    {
        var ram = RamRanges(memory);
        byte[] cmdline = Encoding.UTF8.GetBytes(commandLine.Length == 0 ? kernelPath : kernelPath + " " + commandLine);
        int mmapOffset = OffsetMmap;
        int cmdlineOffset = mmapOffset + ram.Count * MmapEntrySize;
        int size = cmdlineOffset + cmdline.Length + 1;

        ulong address = ChooseAddress(memory, kernelRanges, (ulong)size)
            ?? throw new BootImageException(
                $"no free RAM for the Multiboot information ({size} bytes plus a {StackReserve / 1024} KiB stack) outside the kernel's segments");

        var block = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(OffsetGdt + 8), FlatCodeDescriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(OffsetGdt + 16), FlatDataDescriptor);

        void Field(int offset, ulong value) => BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(OffsetInfo + offset, 4), (uint)value);
        Field(OffsetFlags, FlagMemory | FlagCommandLine | FlagModules | FlagMemoryMap | FlagBootLoaderName);
        Field(OffsetMemLower, ContiguousFrom(ram, 0, LowMemoryEnd) / 1024);
        Field(OffsetMemUpper, Math.Min(ContiguousFrom(ram, HighMemoryStart, 1UL << 32) / 1024, uint.MaxValue));
        Field(OffsetCommandLine, address + (ulong)cmdlineOffset);
        Field(OffsetModsCount, 0);
        Field(OffsetModsAddress, address + (ulong)size);
        Field(OffsetMmapLength, (ulong)(ram.Count * MmapEntrySize));
        Field(OffsetMmapAddress, address + (ulong)mmapOffset);
        Field(OffsetBootLoaderName, address + OffsetLoaderName);
        Encoding.ASCII.GetBytes(BootLoaderName, block.AsSpan(OffsetLoaderName));

        for (int i = 0; i < ram.Count; i++)
        {
            var entry = block.AsSpan(mmapOffset + i * MmapEntrySize, MmapEntrySize);
            BinaryPrimitives.WriteUInt32LittleEndian(entry, MmapEntrySize - 4); // size excludes itself
            BinaryPrimitives.WriteUInt64LittleEndian(entry[4..], ram[i].Start);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[12..], ram[i].End - ram[i].Start);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[20..], MmapTypeUsable);
        }
        cmdline.CopyTo(block.AsSpan(cmdlineOffset));

        memory.Write(address, block);
        return new Placement(address + OffsetGdt, address + OffsetInfo, address);
    }

    /// <summary>The RAM slots with adjacent ones merged, as the memory map reports them.</summary>
    public static List<(ulong Start, ulong End)> RamRanges(GuestMemory memory)
    {
        var ranges = new List<(ulong Start, ulong End)>();
        foreach (var slot in memory.Slots)
        {
            if (ranges.Count > 0 && ranges[^1].End == slot.GuestAddress)
                ranges[^1] = (ranges[^1].Start, slot.End);
            else
                ranges.Add((slot.GuestAddress, slot.End));
        }
        return ranges;
    }

    /// <summary>Bytes of RAM without a hole from <paramref name="start"/>, counted up to <paramref name="limit"/>.</summary>
    private static ulong ContiguousFrom(List<(ulong Start, ulong End)> ram, ulong start, ulong limit)
    {
        foreach (var (rangeStart, rangeEnd) in ram)
        {
            if (start >= rangeStart && start < rangeEnd)
                return Math.Min(rangeEnd, limit) - start;
        }
        return 0;
    }

    private static ulong? ChooseAddress(GuestMemory memory, IReadOnlyList<(ulong Start, ulong End)> kernel, ulong size)
    {
        ulong kernelEnd = kernel.Count == 0 ? 0 : kernel.Max(r => r.End);
        ulong afterKernel = ((kernelEnd + 0xfff) & ~0xfffUL) + StackReserve;
        foreach (ulong candidate in new[] { PreferredAddress, afterKernel })
        {
            ulong low = candidate - StackReserve, high = candidate + size;
            if (memory.IsRam(low, high - low) && !kernel.Any(r => r.Start < high && low < r.End))
                return candidate;
        }
        return null;
    }
}
