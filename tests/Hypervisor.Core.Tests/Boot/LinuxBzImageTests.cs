using System.Buffers.Binary;
using System.Text;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>The 64-bit boot protocol's zero page, checked field by field against boot.rst's offsets.</summary>
public class LinuxBzImageTests
{
    private const int SetupSectors = 4;

    [Fact]
    public void Kernel_goes_to_1_MiB_and_rip_to_its_64_bit_entry()
    {
        using var memory = Ram();
        var state = LinuxBzImage.Load(memory, FakeBzImage(), "console=ttyS0");
        Assert.Equal(0x100200ul, state.Registers.Rip);
        Assert.Equal(0x7000ul, state.Registers.Rsi);
        Span<byte> kernel = stackalloc byte[4];
        memory.Read(0x100000, kernel);
        Assert.Equal("KERN", Encoding.ASCII.GetString(kernel));
        Assert.True(state.SpecialRegisters.Cs.L);
    }

    [Fact]
    public void Zero_page_has_the_header_copy_loader_type_and_command_line_pointer()
    {
        using var memory = Ram();
        LinuxBzImage.Load(memory, FakeBzImage(), "console=ttyS0 panic=-1");
        var zeroPage = new byte[4096];
        memory.Read(0x7000, zeroPage);
        Assert.Equal(0x53726448u, BinaryPrimitives.ReadUInt32LittleEndian(zeroPage.AsSpan(0x202)));
        Assert.Equal(0xff, zeroPage[0x210]);
        Assert.Equal(0x20000u, BinaryPrimitives.ReadUInt32LittleEndian(zeroPage.AsSpan(0x228)));
        var commandLine = new byte[23];
        memory.Read(0x20000, commandLine);
        Assert.Equal("console=ttyS0 panic=-1\0", Encoding.ASCII.GetString(commandLine));
    }

    [Fact]
    public void E820_reports_low_memory_the_legacy_hole_and_high_memory()
    {
        using var memory = Ram();
        LinuxBzImage.Load(memory, FakeBzImage(), "");
        var zeroPage = new byte[4096];
        memory.Read(0x7000, zeroPage);
        Assert.Equal(3, zeroPage[0x1e8]);
        var entries = Enumerable.Range(0, 3).Select(i => zeroPage.AsSpan(0x2d0 + i * 20, 20).ToArray())
            .Select(e => (BinaryPrimitives.ReadUInt64LittleEndian(e), BinaryPrimitives.ReadUInt64LittleEndian(e.AsSpan(8)), BinaryPrimitives.ReadUInt32LittleEndian(e.AsSpan(16))))
            .ToArray();
        Assert.Equal((0ul, 0x9fc00ul, 1u), entries[0]);
        Assert.Equal((0x9fc00ul, 0x100000ul - 0x9fc00, 2u), entries[1]);
        Assert.Equal((0x100000ul, (64ul << 20) - 0x100000, 1u), entries[2]);
    }

    [Fact]
    public void Initrd_goes_to_the_top_of_ram_below_the_kernels_limit()
    {
        using var memory = Ram();
        var state = LinuxBzImage.Load(memory, FakeBzImage(), "", initrd: new byte[5000]);
        Assert.Equal(((64ul << 20) - 5000) & ~0xffful, state.Region("initrd")!.Value.Address);
        var zeroPage = new byte[4096];
        memory.Read(0x7000, zeroPage);
        Assert.Equal((uint)state.Region("initrd")!.Value.Address, BinaryPrimitives.ReadUInt32LittleEndian(zeroPage.AsSpan(0x218)));
        Assert.Equal(5000u, BinaryPrimitives.ReadUInt32LittleEndian(zeroPage.AsSpan(0x21c)));
    }

    [Fact]
    public void Without_long_mode_a_32_bit_kernel_gets_the_32_bit_boot_protocol()
    {
        using var memory = Ram();
        var image = FakeBzImage();
        image[0x236] = 0; // no XLF_KERNEL_64: an i386 kernel
        var state = LinuxBzImage.Load(memory, image, "", platform: new BootPlatform(LongMode: false));

        Assert.Equal(0x100000ul, state.Registers.Rip);   // startup_32 at code32_start
        Assert.Equal(0x7000ul, state.Registers.Rsi);
        Assert.Equal(0ul, state.Registers.Rflags & 0x200); // interrupts off
        var s = state.SpecialRegisters;
        Assert.Equal((ushort)0x10, s.Cs.Selector);
        Assert.True(s.Cs.Db);
        Assert.False(s.Cs.L);
        Assert.Equal((ushort)0x18, s.Ds.Selector);
        Assert.Equal((ushort)0x18, s.Ss.Selector);
        Assert.Equal(0ul, s.Cr0 & 0x8000_0000);            // paging off
        Assert.Equal(0ul, s.Efer);
        var gdt = new byte[s.Gdt.Limit + 1];
        memory.Read(s.Gdt.Base, gdt);
        Assert.Equal(0x00cf9b000000fffful, BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(0x10)));
        Assert.Equal(0x00cf93000000fffful, BinaryPrimitives.ReadUInt64LittleEndian(gdt.AsSpan(0x18)));
    }

    [Fact]
    public void Without_long_mode_a_64_bit_kernel_is_refused_naming_what_would_work()
    {
        using var memory = Ram();
        var e = Assert.Throws<BootImageException>(() => LinuxBzImage.Load(memory, FakeBzImage(), "", platform: new BootPlatform(LongMode: false)));
        Assert.Contains("this is a 64-bit kernel (XLF_KERNEL_64)", e.Message);
        Assert.Contains("--arch i386", e.Message);
    }

    [Fact]
    public void With_acpi_hardware_the_zero_page_and_the_ebda_point_at_the_rsdp()
    {
        using var memory = Ram();
        var acpi = new AcpiPmBlock(0x600, 9);
        var state = LinuxBzImage.Load(memory, FakeBzImage(), "", platform: new BootPlatform(Acpi: acpi));

        var zeroPage = new byte[4096];
        memory.Read(0x7000, zeroPage);
        ulong rsdp = BinaryPrimitives.ReadUInt64LittleEndian(zeroPage.AsSpan(0x70));
        Assert.Equal(AcpiTables.DefaultAddress, rsdp);
        var signature = new byte[8];
        memory.Read(rsdp, signature);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(signature));
        var ebda = new byte[2];
        memory.Read(0x40e, ebda);
        Assert.Equal(rsdp >> 4, BinaryPrimitives.ReadUInt16LittleEndian(ebda));
        Assert.NotNull(state.Region("ACPI tables"));
    }

    [Fact]
    public void A_file_without_the_HdrS_magic_is_refused()
    {
        using var memory = Ram();
        var e = Assert.Throws<BootImageException>(() => LinuxBzImage.Load(memory, new byte[8192], ""));
        Assert.Equal("not a bzImage: the setup header's \"HdrS\" magic is missing at offset 0x202", e.Message);
    }

    [Fact]
    public void A_kernel_without_a_64_bit_entry_is_refused()
    {
        using var memory = Ram();
        var image = FakeBzImage();
        image[0x236] = 0;
        var e = Assert.Throws<BootImageException>(() => LinuxBzImage.Load(memory, image, ""));
        Assert.StartsWith("the bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear)", e.Message);
    }

    [Fact]
    public void A_command_line_longer_than_the_kernel_takes_is_refused()
    {
        using var memory = Ram();
        var e = Assert.Throws<BootImageException>(() => LinuxBzImage.Load(memory, FakeBzImage(), new string('x', 3000)));
        Assert.Equal("the command line is 3000 bytes; this kernel takes at most 2047", e.Message);
    }

    private static GuestMemory Ram() => new([(0, 64ul << 20)]);

    /// <summary>A bzImage header as boot.rst describes it (protocol 2.15), followed by a 4-byte "kernel".</summary>
    private static byte[] FakeBzImage()
    {
        var image = new byte[(SetupSectors + 1) * 512 + 4096];
        image[0x1f1] = SetupSectors;
        image[0x201] = 0x6a; // jump offset: the header runs to 0x202 + 0x6a = 0x26c
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x202), 0x53726448);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x206), 0x020f);
        image[0x211] = 0x01; // LOADED_HIGH
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x22c), 0x7fffffff); // initrd_addr_max
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x236), 0x0001);     // XLF_KERNEL_64
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x238), 2047);       // cmdline_size
        Encoding.ASCII.GetBytes("KERN").CopyTo(image, (SetupSectors + 1) * 512);
        return image;
    }
}
