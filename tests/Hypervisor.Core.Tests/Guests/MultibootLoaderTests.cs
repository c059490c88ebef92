using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// The Multiboot loader on the real guests/multiboot/info.elf (built by binutils) and on
/// hand-made a.out-kludge and broken images. Machine: 640 KiB at 0 and 15 MiB at 1 MiB, as
/// configs/conformance/info.json and QEMU's -m 16M.
/// </summary>
public sealed class MultibootLoaderTests : IDisposable
{
    private const ulong HighMemory = 0x100000;
    private static readonly string Kernel = Path.Combine(GuestTree.GuestsDir, "multiboot", "info.elf");
    private readonly GuestMemory _memory = new([(0UL, 0xa0000UL), (HighMemory, 0xf00000UL)]);
    private readonly List<string> _tempFiles = [];

    /// <summary>The loader as a machine file's <c>"boot": { "format": "multiboot", "kernel", "cmdline" }</c> drives it.</summary>
    private static BootState Load(string kernel, string commandLine, GuestMemory memory) =>
        new MultibootLoader().Load(new BootConfig { Format = "multiboot", Kernel = kernel, CommandLine = commandLine }, memory);

    public void Dispose()
    {
        _memory.Dispose();
        foreach (var file in _tempFiles)
            File.Delete(file);
    }

    [Fact]
    public void Copies_the_elf_segment_to_its_physical_address_and_zeroes_its_bss()
    {
        var (offset, paddr, fileSize, memSize) = FirstProgramHeader(File.ReadAllBytes(Kernel));
        Fill(paddr, memSize, 0xcc); // the loader must zero the bss, not rely on fresh RAM

        Load(Kernel, "", _memory);

        byte[] file = File.ReadAllBytes(Kernel);
        Assert.Equal(file.AsSpan((int)offset, (int)fileSize).ToArray(), Read(paddr, fileSize));
        Assert.All(Read(paddr + fileSize, memSize - fileSize), b => Assert.Equal(0, b));
        Assert.Equal(MultibootHeader.Magic, ReadU32(HighMemory)); // the header leads .text at 1 MiB
    }

    [Fact]
    public void Enters_32_bit_protected_mode_with_flat_segments_as_the_specification_says()
    {
        var state = Load(Kernel, "", _memory);

        uint elfEntry = BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(Kernel).AsSpan(24));
        Assert.Equal(elfEntry, state.Registers.Rip);
        Assert.Equal(0x2badb002UL, state.Registers.Rax);
        Assert.Equal(0x2UL, state.Registers.Rflags); // IF clear, VM clear
        var s = state.SpecialRegisters;
        Assert.Equal(1UL, s.Cr0 & 1);                 // PE
        Assert.Equal(0UL, s.Cr0 & 0x80000000);        // PG
        foreach (var segment in new[] { s.Cs, s.Ds, s.Es, s.Fs, s.Gs, s.Ss })
        {
            Assert.Equal(0UL, segment.Base);
            Assert.Equal(0xffffffffu, segment.Limit);
            Assert.True(segment.Present && segment.S && segment.Db && segment.G);
            Assert.Equal(0, segment.Dpl);
        }
        Assert.Equal(0xb, s.Cs.Type & 0xb);   // code, readable
        Assert.Equal(0x2, s.Ds.Type & 0xa);   // data, writable
    }

    [Fact]
    public void Gdt_holds_flat_descriptors_for_the_loaded_selectors()
    {
        var s = Load(Kernel, "", _memory).SpecialRegisters;

        Assert.Equal(23, s.Gdt.Limit);
        Assert.Equal(0x00cf9a000000ffffUL, ReadU64(s.Gdt.Base + s.Cs.Selector));
        Assert.Equal(0x00cf92000000ffffUL, ReadU64(s.Gdt.Base + s.Ds.Selector));
        Assert.Equal(0UL, ReadU64(s.Gdt.Base));
    }

    [Fact]
    public void Info_structure_reports_memory_command_line_memory_map_and_loader_name()
    {
        ulong info = Load(Kernel, "console=ttyS0 x=1", _memory).Registers.Rbx;

        uint flags = ReadU32(info);
        Assert.Equal(0x24du, flags & 0x24d); // memory, cmdline, modules (none), mmap, loader name
        Assert.Equal(640u, ReadU32(info + 4));
        Assert.Equal(15u * 1024, ReadU32(info + 8));
        Assert.Equal($"{Kernel} console=ttyS0 x=1", ReadString(ReadU32(info + 16)));
        Assert.Equal(0u, ReadU32(info + 20));
        Assert.Equal("minivmm", ReadString(ReadU32(info + 64)));

        uint mmapLength = ReadU32(info + 44), mmap = ReadU32(info + 48);
        Assert.Equal(2u * 24, mmapLength);
        Assert.Equal((20u, 0UL, 0xa0000UL, 1u), MmapEntry(mmap));
        Assert.Equal((20u, HighMemory, 0xf00000UL, 1u), MmapEntry(mmap + 24));
    }

    [Fact]
    public void Boot_data_and_its_stack_stay_clear_of_the_kernel()
    {
        var (_, paddr, _, memSize) = FirstProgramHeader(File.ReadAllBytes(Kernel));
        var state = Load(Kernel, "", _memory);
        ulong info = state.Registers.Rbx, esp = state.Registers.Rsp;
        Assert.True(info + 88 <= paddr || info >= paddr + memSize);
        Assert.True(_memory.IsRam(esp - MultibootInfo.StackReserve, MultibootInfo.StackReserve));
    }

    [Fact]
    public void Aout_kludge_image_loads_at_its_header_addresses()
    {
        // A kernel at 0x8000 (where the boot data would prefer to go): header, then code.
        const uint load = 0x8000, entry = load + 32, bssEnd = load + 0x2000;
        byte[] code = [0xf4, 0xeb, 0xfd]; // hlt; jmp $-1
        string path = WriteTemp(AoutImage(load, loadEnd: 0, bssEnd, entry, code));
        Fill(load, 0x2000, 0xcc);

        var state = Load(path, "", _memory);

        Assert.Equal(entry, state.Registers.Rip);
        Assert.Equal(code, Read(entry, (ulong)code.Length));
        Assert.All(Read(entry + (ulong)code.Length, bssEnd - entry - (ulong)code.Length), b => Assert.Equal(0, b));
        ulong info = state.Registers.Rbx;
        Assert.True(info >= bssEnd + MultibootInfo.StackReserve, $"boot data at 0x{info:x} overlaps the kernel or its stack");
    }

    [Fact]
    public void Missing_file_is_a_boot_image_error() =>
        AssertRejected("/nonexistent/kernel.elf", "", "cannot read kernel '/nonexistent/kernel.elf'");

    [Fact]
    public void File_without_a_header_is_rejected() =>
        AssertRejected(Path.Combine(GuestTree.GuestsDir, "seed", "add.bin"), "", "is not a Multiboot kernel: no header");

    [Fact]
    public void Bad_checksum_is_rejected()
    {
        byte[] file = File.ReadAllBytes(Kernel);
        int header = HeaderOffset(file);
        file[header + 8] ^= 1;
        AssertRejected(WriteTemp(file), "", "bad checksum");
    }

    [Fact]
    public void Unsupported_required_flag_is_rejected()
    {
        byte[] file = File.ReadAllBytes(Kernel);
        int header = HeaderOffset(file);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(header + 4)) | (1u << 5);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(header + 4), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(header + 8), unchecked(0u - MultibootHeader.Magic - flags));
        AssertRejected(WriteTemp(file), "", "require feature bit(s) 5");
    }

    [Fact]
    public void Elf64_is_rejected_with_the_reason()
    {
        byte[] file = File.ReadAllBytes(Kernel);
        file[4] = 2; // EI_CLASS = ELFCLASS64
        AssertRejected(WriteTemp(file), "", "ELF64");
    }

    [Fact]
    public void Segment_outside_ram_is_rejected()
    {
        using var lowOnly = new GuestMemory([(0UL, 0xa0000UL)]);
        var e = Assert.Throws<BootImageException>(() => Load(Kernel, "", lowOnly));
        Assert.Contains("ELF segment 0 [0x100000,", e.Message);
        Assert.Contains("is not in guest RAM (RAM is [0x0, 0xa0000))", e.Message);
    }

    [Fact]
    public void Truncated_elf_is_rejected()
    {
        byte[] file = File.ReadAllBytes(Kernel);
        var (offset, _, fileSize, _) = FirstProgramHeader(file);
        AssertRejected(WriteTemp(file[..(int)(offset + fileSize / 2)]), "", "runs past the end of the file");
    }

    [Fact]
    public void Aout_kludge_with_entry_outside_the_image_is_rejected() =>
        AssertRejected(WriteTemp(AoutImage(0x200000, 0, 0, 0x300000, [0xf4])), "", "entry_addr 0x300000 is outside the image");

    [Fact]
    public void Conformance_machine_file_passes_the_command_line_qemu_is_given()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(GuestTree.RepoRoot, "configs", "conformance", "info.json")));
        string cmdline = json.RootElement.GetProperty("boot").GetProperty("cmdline").GetString()!;
        Assert.Equal(File.ReadAllText(Path.Combine(GuestTree.GuestsDir, "multiboot", "info.cmdline")), cmdline);
    }

    private void AssertRejected(string path, string commandLine, string expected)
    {
        var e = Assert.Throws<BootImageException>(() => Load(path, commandLine, _memory));
        Assert.Contains(expected, e.Message);
    }

    /// <summary>A flat kernel: a 32-byte Multiboot header with flag 16 at load, then code.</summary>
    private static byte[] AoutImage(uint load, uint loadEnd, uint bssEnd, uint entry, byte[] code)
    {
        var image = new byte[32 + code.Length];
        uint flags = MultibootHeader.FlagAddressFields | MultibootHeader.FlagMemoryInfo;
        uint[] fields = [MultibootHeader.Magic, flags, unchecked(0u - MultibootHeader.Magic - flags), load, load, loadEnd, bssEnd, entry];
        for (int i = 0; i < fields.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(4 * i), fields[i]);
        code.CopyTo(image, 32);
        return image;
    }

    private static (uint Offset, uint PhysicalAddress, uint FileSize, uint MemorySize) FirstProgramHeader(byte[] elf)
    {
        int ph = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(28));
        uint U(int at) => BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(ph + at));
        Assert.Equal(1u, U(0)); // PT_LOAD
        return (U(4), U(12), U(16), U(20));
    }

    private static int HeaderOffset(byte[] file)
    {
        for (int i = 0; i < 8192; i += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i)) == MultibootHeader.Magic)
                return i;
        }
        throw new InvalidOperationException("no header");
    }

    private string WriteTemp(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"minivmm-mb-{Guid.NewGuid():n}.bin");
        File.WriteAllBytes(path, bytes);
        _tempFiles.Add(path);
        return path;
    }

    private void Fill(ulong address, ulong length, byte value) => _memory.Write(address, Enumerable.Repeat(value, (int)length).ToArray());

    private byte[] Read(ulong address, ulong length)
    {
        var bytes = new byte[length];
        _memory.Read(address, bytes);
        return bytes;
    }

    private uint ReadU32(ulong address) => BinaryPrimitives.ReadUInt32LittleEndian(Read(address, 4));

    private ulong ReadU64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(Read(address, 8));

    private string ReadString(ulong address)
    {
        var bytes = new List<byte>();
        for (byte b; (b = Read(address++, 1)[0]) != 0;)
            bytes.Add(b);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private (uint Size, ulong Base, ulong Length, uint Type) MmapEntry(ulong address) =>
        (ReadU32(address), ReadU64(address + 4), ReadU64(address + 12), ReadU32(address + 20));
}
