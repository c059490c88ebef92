using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.FwCfg;

namespace Plugins.Tests.FwCfg;

/// <summary>QEMU's fw_cfg as docs/specs/fw_cfg.rst describes it, driven the way SeaBIOS drives it.</summary>
public sealed class FwCfgTests : IDisposable
{
    private const ushort Selector = 0, Data = 1, DmaHigh = 4, DmaLow = 8;
    private const int Ram = 4 << 20;
    private readonly string _folder = Directory.CreateTempSubdirectory("fw-cfg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private DeviceHarness<FwCfgDevice> Create(Dictionary<string, string?>? options = null) =>
        DeviceHarness.Create<FwCfgDevice>(options, new DeviceHarnessSettings { PortBase = 0x510, MemorySize = Ram, BaseDirectory = _folder });

    private static byte[] ReadItem(DeviceHarness<FwCfgDevice> fw, ushort key, int length)
    {
        fw.Write(Selector, 2, key);
        return Enumerable.Range(0, length).Select(_ => fw.In(Data)).ToArray();
    }

    /// <summary>The file directory as (name, key, size), read through the data port.</summary>
    private static List<(string Name, ushort Key, uint Size)> Directory_(DeviceHarness<FwCfgDevice> fw)
    {
        uint count = BinaryPrimitives.ReadUInt32BigEndian(ReadItem(fw, FwCfgKey.FileDir, 4));
        var entries = new List<(string, ushort, uint)>();
        for (int i = 0; i < count; i++)
        {
            var e = Enumerable.Range(0, 64).Select(_ => fw.In(Data)).ToArray();
            entries.Add((Encoding.ASCII.GetString(e, 8, 56).TrimEnd('\0'), BinaryPrimitives.ReadUInt16BigEndian(e.AsSpan(4)), BinaryPrimitives.ReadUInt32BigEndian(e)));
        }
        return entries;
    }

    private static byte[] ReadFile(DeviceHarness<FwCfgDevice> fw, string name)
    {
        var entry = Directory_(fw).Single(e => e.Name == name);
        return ReadItem(fw, entry.Key, (int)entry.Size);
    }

    /// <summary>Writes a DMA descriptor at 0x1000 and starts it as SeaBIOS does (high half, then the low half big-endian).</summary>
    private static uint RunDma(DeviceHarness<FwCfgDevice> fw, uint control, uint length, ulong address)
    {
        var descriptor = new byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(descriptor, control);
        BinaryPrimitives.WriteUInt32BigEndian(descriptor.AsSpan(4), length);
        BinaryPrimitives.WriteUInt64BigEndian(descriptor.AsSpan(8), address);
        fw.Memory.Write(0x1000, descriptor);
        fw.Write(DmaHigh, 4, 0);
        fw.Write(DmaLow, 4, BinaryPrimitives.ReverseEndianness(0x1000u));
        return BinaryPrimitives.ReadUInt32BigEndian(fw.Memory.Bytes[0x1000..]);
    }

    [Fact]
    public void The_signature_item_reads_QEMU_byte_by_byte()
    {
        using var fw = Create();
        Assert.Equal("QEMU"u8.ToArray(), ReadItem(fw, FwCfgKey.Signature, 4));
        Assert.Equal(0, fw.In(Data)); // past the end: zeros
    }

    [Fact]
    public void The_id_announces_the_dma_interface_and_its_register_reads_QEMU_CFG()
    {
        using var fw = Create();
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(ReadItem(fw, FwCfgKey.Id, 4)));
        var signature = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(signature, fw.Read(DmaHigh, 4));
        BinaryPrimitives.WriteUInt32LittleEndian(signature.AsSpan(4), fw.Read(DmaLow, 4));
        Assert.Equal("QEMU CFG", Encoding.ASCII.GetString(signature));
    }

    [Fact]
    public void Files_are_listed_in_name_order_with_keys_from_0x20()
    {
        using var fw = Create(new() { ["memorySize"] = "4MiB", ["serialConsole"] = "0x3f8", ["bootOrder"] = "/a, /b" });

        var files = Directory_(fw);
        Assert.Equal(["bootorder", "etc/e820", "etc/sercon-port"], files.Select(f => f.Name));
        Assert.Equal([(ushort)0x20, (ushort)0x21, (ushort)0x22], files.Select(f => f.Key));
        Assert.Equal("/a\n/b\0", Encoding.ASCII.GetString(ReadFile(fw, "bootorder")));
        Assert.Equal(0x3f8, BinaryPrimitives.ReadUInt16LittleEndian(ReadFile(fw, "etc/sercon-port")));
    }

    [Fact]
    public void Ram_size_and_e820_say_the_memory_size()
    {
        using var fw = Create(new() { ["memorySize"] = "4MiB" });

        Assert.Equal((ulong)Ram, BinaryPrimitives.ReadUInt64LittleEndian(ReadItem(fw, FwCfgKey.RamSize, 8)));
        var e820 = ReadFile(fw, "etc/e820");
        Assert.Equal(20, e820.Length);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(e820));
        Assert.Equal((ulong)Ram, BinaryPrimitives.ReadUInt64LittleEndian(e820.AsSpan(8)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(e820.AsSpan(16)));
    }

    [Fact]
    public void A_memory_size_guest_ram_does_not_cover_is_refused()
    {
        var error = Assert.Throws<DeviceConfigurationException>(() => Create(new() { ["memorySize"] = "64MiB" }));
        Assert.Equal("memorySize", error.Option);
        Assert.Contains("does not cover [1 MiB, 0x4000000)", error.Message);
    }

    [Fact]
    public void Dma_selects_reads_and_clears_the_control_word()
    {
        using var fw = Create(new() { ["cpus"] = "2" });

        uint status = RunDma(fw, (uint)FwCfgKey.NbCpus << 16 | FwCfgDma.Select | FwCfgDma.Read, 2, 0x2000);

        Assert.Equal(0u, status);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(fw.Memory.Bytes[0x2000..]));
    }

    [Fact]
    public void Dma_skip_moves_the_offset_and_reads_past_the_end_give_zeros()
    {
        using var fw = Create();
        fw.Memory.Bytes.Slice(0x2000, 8).Fill(0xAA);

        Assert.Equal(0u, RunDma(fw, (uint)FwCfgKey.Signature << 16 | FwCfgDma.Select | FwCfgDma.Skip, 2, 0));
        Assert.Equal(0u, RunDma(fw, FwCfgDma.Read, 4, 0x2000));

        Assert.Equal("MU\0\0"u8.ToArray(), fw.Memory.Bytes.Slice(0x2000, 4).ToArray());
        Assert.Equal(0xAA, fw.Memory.Bytes[0x2004]);
    }

    [Fact]
    public void Dma_read_after_a_skip_beyond_the_item_gives_zeros()
    {
        // SeaBIOS with a PIIX4 PM function skips past the end of an item and reads on.
        using var fw = Create();
        fw.Memory.Bytes.Slice(0x2000, 4).Fill(0xAA);

        Assert.Equal(0u, RunDma(fw, (uint)FwCfgKey.Signature << 16 | FwCfgDma.Select | FwCfgDma.Skip, 6, 0));
        Assert.Equal(0u, RunDma(fw, FwCfgDma.Read, 4, 0x2000));

        Assert.Equal(new byte[4], fw.Memory.Bytes.Slice(0x2000, 4).ToArray());
    }

    [Fact]
    public void Dma_writes_and_reads_outside_ram_report_an_error()
    {
        using var fw = Create();
        Assert.Equal(FwCfgDma.Error, RunDma(fw, (uint)FwCfgKey.Signature << 16 | FwCfgDma.Select | FwCfgDma.Write, 4, 0x2000));
        Assert.Equal(FwCfgDma.Error, RunDma(fw, FwCfgDma.Read, 4, 0x8000_0000));
    }

    private string BzImage(int size = 16384)
    {
        var kernel = new byte[size];
        kernel[0x1f1] = 4; // setup_sects
        BinaryPrimitives.WriteUInt32LittleEndian(kernel.AsSpan(0x202), 0x53726448); // "HdrS"
        BinaryPrimitives.WriteUInt16LittleEndian(kernel.AsSpan(0x206), 0x020f);
        kernel[0x211] = 0x01; // LOADED_HIGH
        BinaryPrimitives.WriteUInt32LittleEndian(kernel.AsSpan(0x22c), 0x7fff_ffff);
        kernel[5 * 512] = 0xE9; // first byte of the protected-mode code
        string path = Path.Combine(_folder, "bzImage");
        File.WriteAllBytes(path, kernel);
        File.WriteAllBytes(Path.Combine(_folder, "initrd"), new byte[5000]);
        File.WriteAllBytes(Path.Combine(_folder, "linuxboot.bin"), [0x55, 0xAA]);
        return path;
    }

    [Fact]
    public void A_kernel_is_split_into_setup_and_body_with_the_header_patched_as_QEMU_does()
    {
        BzImage();
        using var fw = Create(new()
        {
            ["memorySize"] = "4MiB", ["kernel"] = "bzImage", ["initrd"] = "initrd", ["cmdline"] = "console=ttyS0",
            ["linuxboot"] = "linuxboot.bin", ["bootOrder"] = "/disk",
        });

        uint U32(ushort key) => BinaryPrimitives.ReadUInt32LittleEndian(ReadItem(fw, key, 4));
        Assert.Equal(0x10000u, U32(FwCfgKey.SetupAddr));
        Assert.Equal(2560u, U32(FwCfgKey.SetupSize));
        Assert.Equal(0x100000u, U32(FwCfgKey.KernelAddr));
        Assert.Equal(16384u - 2560, U32(FwCfgKey.KernelSize));
        Assert.Equal(0xE9, ReadItem(fw, FwCfgKey.KernelData, 1)[0]);
        Assert.Equal("console=ttyS0\0", Encoding.ASCII.GetString(ReadItem(fw, FwCfgKey.CmdlineData, 14)));
        Assert.Equal(0x20000u, U32(FwCfgKey.CmdlineAddr));
        uint initrd = U32(FwCfgKey.InitrdAddr);
        Assert.Equal((uint)((Ram - 0x28000 - 1 - 5000) & ~0xfff), initrd);
        Assert.Equal(5000u, U32(FwCfgKey.InitrdSize));

        var setup = ReadItem(fw, FwCfgKey.SetupData, 2560);
        Assert.Equal(0x20000u, BinaryPrimitives.ReadUInt32LittleEndian(setup.AsSpan(0x228))); // cmd_line_ptr
        Assert.Equal(0xb0, setup[0x210]);                                                     // type_of_loader
        Assert.Equal(0x81, setup[0x211]);                                                     // LOADED_HIGH | CAN_USE_HEAP
        Assert.Equal(initrd, BinaryPrimitives.ReadUInt32LittleEndian(setup.AsSpan(0x218)));
        Assert.Equal(5000u, BinaryPrimitives.ReadUInt32LittleEndian(setup.AsSpan(0x21c)));

        Assert.Equal("/rom@genroms/linuxboot_dma.bin\n/disk\0", Encoding.ASCII.GetString(ReadFile(fw, "bootorder")));
        Assert.Equal([0x55, 0xAA], ReadFile(fw, "genroms/linuxboot_dma.bin"));
    }

    [Fact]
    public void A_kernel_without_a_boot_header_is_refused()
    {
        File.WriteAllBytes(Path.Combine(_folder, "vmlinux"), new byte[16384]);
        var error = Assert.Throws<DeviceConfigurationException>(() => Create(new() { ["memorySize"] = "4MiB", ["kernel"] = "vmlinux" }));
        Assert.Equal("kernel", error.Option);
        Assert.Contains("HdrS", error.Message);
    }

    [Fact]
    public void A_missing_kernel_file_is_named()
    {
        var error = Assert.Throws<DeviceConfigurationException>(() => Create(new() { ["memorySize"] = "4MiB", ["kernel"] = "nope" }));
        Assert.Contains("nope", error.Message);
    }
}
