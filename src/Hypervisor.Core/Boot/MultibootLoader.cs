using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// Loads a Multiboot (version 1) kernel as QEMU's <c>-kernel</c> and GRUB do: finds and checks
/// the Multiboot header, copies the ELF32 PT_LOAD segments (or, when header flag 16 is set, the
/// a.out-kludge range) into guest RAM, zeroes their bss, writes the boot information
/// (<see cref="MultibootInfo"/>) and returns the 32-bit protected-mode entry state.
/// The machine must have the A20 line enabled (minivmm's default), as the kernel runs above 1 MiB.
/// </summary>
public sealed class MultibootLoader : IBootLoader
{
    /// <summary>A range of the kernel file copied to guest RAM, followed by zeroed bytes up to <see cref="MemorySize"/>.</summary>
    public readonly record struct LoadRegion(string Name, ulong Address, long FileOffset, long FileSize, ulong MemorySize);

    public string Format => "multiboot";

    /// <summary>
    /// Loads <c>boot.kernel</c> into <paramref name="memory"/>. The kernel sees the command line
    /// "kernel-path cmdline" (the path first, as QEMU and GRUB pass it). Throws
    /// <see cref="BootImageException"/> with the reason when the file is missing, not a Multiboot
    /// kernel, malformed, or does not fit in RAM.
    /// </summary>
    public BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null)
    {
        string kernelPath = boot.Kernel ?? throw new BootImageException("boot.kernel: no kernel given");
        string commandLine = boot.CommandLine;
        byte[] file = ReadKernel(kernelPath);
        var header = MultibootHeader.Find(file, kernelPath);
        var (regions, entry) = header.HasAddressFields
            ? PlanAoutKludge(header, file.Length, kernelPath)
            : PlanElf(file, kernelPath);

        foreach (var region in regions)
        {
            if (region.MemorySize > 0 && !memory.IsRam(region.Address, region.MemorySize))
                throw new BootImageException(
                    $"kernel '{kernelPath}': {region.Name} [0x{region.Address:x}, 0x{region.Address + region.MemorySize:x}) is not in guest RAM ({DescribeRam(memory)})");
        }
        if (!memory.IsRam(entry, 1))
            throw new BootImageException($"kernel '{kernelPath}': entry point 0x{entry:x} is not in guest RAM ({DescribeRam(memory)})");

        foreach (var region in regions)
        {
            memory.Write(region.Address, file.AsSpan((int)region.FileOffset, (int)region.FileSize));
            Zero(memory, region.Address + (ulong)region.FileSize, region.MemorySize - (ulong)region.FileSize);
        }

        var kernelRanges = regions.Where(r => r.MemorySize > 0).Select(r => (r.Address, r.Address + r.MemorySize)).ToList();
        var placement = MultibootInfo.Write(memory, kernelRanges, kernelPath, commandLine);
        var gdt = new DescriptorTableRegister { Base = placement.GdtAddress, Limit = MultibootInfo.GdtSize - 1 };
        return new BootState(
            EntryStates.MultibootRegisters((uint)entry, (uint)placement.InfoAddress, (uint)placement.StackTop),
            EntryStates.ProtectedModeFlat(gdt))
        {
            Loaded = [.. regions.Where(r => r.MemorySize > 0).Select(r => new LoadedRegion(r.Name, r.Address, r.MemorySize))],
        };
    }

    private static byte[] ReadKernel(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new BootImageException($"cannot read kernel '{path}': {e.Message}");
        }
    }

    private static (List<LoadRegion> Regions, ulong Entry) PlanElf(byte[] file, string path)
    {
        if (!Elf32Image.IsElf(file))
            throw new BootImageException(
                $"kernel '{path}' has a Multiboot header but is not ELF and does not set header flag 16 (the a.out-kludge load addresses)");
        var elf = Elf32Image.Parse(file, path);
        var regions = elf.LoadSegments
            .Select(s => new LoadRegion($"ELF segment {s.Index}", s.PhysicalAddress, s.FileOffset, s.FileSize, s.MemorySize))
            .ToList();
        return (regions, elf.PhysicalEntry);
    }

    /// <summary>Header flag 16: file bytes from (header offset - (header_addr - load_addr)) go to load_addr,
    /// up to load_end_addr (0: the end of the file); bss runs to bss_end_addr (0: none).</summary>
    private static (List<LoadRegion> Regions, ulong Entry) PlanAoutKludge(MultibootHeader h, int fileLength, string path)
    {
        string Bad(string why) => $"kernel '{path}': Multiboot header address fields are inconsistent: {why}";
        if (h.HeaderAddress < h.LoadAddress)
            throw new BootImageException(Bad($"header_addr 0x{h.HeaderAddress:x} is below load_addr 0x{h.LoadAddress:x}"));
        long fileStart = h.FileOffset - (long)(h.HeaderAddress - h.LoadAddress);
        if (fileStart < 0)
            throw new BootImageException(Bad($"load_addr 0x{h.LoadAddress:x} would start {-fileStart} bytes before the file"));
        long available = fileLength - fileStart;
        long fileSize = available;
        if (h.LoadEndAddress != 0)
        {
            if (h.LoadEndAddress < h.LoadAddress)
                throw new BootImageException(Bad($"load_end_addr 0x{h.LoadEndAddress:x} is below load_addr 0x{h.LoadAddress:x}"));
            fileSize = h.LoadEndAddress - h.LoadAddress;
            if (fileSize > available)
                throw new BootImageException(Bad($"load_addr..load_end_addr is {fileSize} bytes but the file has only {available} from offset {fileStart}"));
        }
        ulong loadEnd = h.LoadAddress + (ulong)fileSize;
        ulong memoryEnd = loadEnd;
        if (h.BssEndAddress != 0)
        {
            if (h.BssEndAddress < loadEnd)
                throw new BootImageException(Bad($"bss_end_addr 0x{h.BssEndAddress:x} is below the end of the loaded image 0x{loadEnd:x}"));
            memoryEnd = h.BssEndAddress;
        }
        if (h.EntryAddress < h.LoadAddress || h.EntryAddress >= memoryEnd)
            throw new BootImageException(Bad($"entry_addr 0x{h.EntryAddress:x} is outside the image [0x{h.LoadAddress:x}, 0x{memoryEnd:x})"));
        var region = new LoadRegion("a.out-kludge image", h.LoadAddress, fileStart, fileSize, memoryEnd - h.LoadAddress);
        return ([region], h.EntryAddress);
    }

    private static void Zero(GuestMemory memory, ulong address, ulong length)
    {
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        while (length > 0)
        {
            int chunk = (int)Math.Min(length, (ulong)zeros.Length);
            memory.Write(address, zeros[..chunk]);
            address += (ulong)chunk;
            length -= (ulong)chunk;
        }
    }

    private static string DescribeRam(GuestMemory memory) =>
        "RAM is " + string.Join(", ", MultibootInfo.RamRanges(memory).Select(r => $"[0x{r.Start:x}, 0x{r.End:x})"));
}
