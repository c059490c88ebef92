using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;
using MiniVmm.Devices.Ide;

namespace Plugins.Tests.Piix3Ide;

/// <summary>The PIIX3 IDE function and its ATA disk through the test kit, against a real image file.</summary>
public sealed class IdeDiskTests : IDisposable
{
    private const int Sectors = 2048; // 1 MiB
    private readonly string _folder = Directory.CreateTempSubdirectory("minivmm-ide-").FullName;
    private DeviceHarness<Piix3IdeDevice>? _ide;

    public IdeDiskTests()
    {
        var image = new byte[Sectors * 512];
        for (int lba = 0; lba < Sectors; lba++)
            Pattern(lba).CopyTo(image, lba * 512);
        File.WriteAllBytes(Path.Combine(_folder, "disk.img"), image);
    }

    public void Dispose()
    {
        _ide?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    // Every sector says which it is, so a wrong address shows.
    private static byte[] Pattern(long lba)
    {
        var sector = new byte[512];
        for (int i = 0; i < 512; i++)
            sector[i] = (byte)(lba * 7 + i);
        BitConverter.GetBytes((uint)lba).CopyTo(sector, 0);
        return sector;
    }

    private DeviceHarness<Piix3IdeDevice> Ide(bool readOnly = true) => _ide ??= DeviceHarness.Create<Piix3IdeDevice>(
        new() { ["image"] = "disk.img", ["readonly"] = readOnly ? "true" : "false", ["model"] = "Test Disk" },
        new DeviceHarnessSettings { Irq = 14, BaseDirectory = _folder });

    private byte Status => Ide().In(AtaPort.StatusCommand);
    private byte AltStatus => (byte)Ide().PortWindow("control").Read(0, 1);

    private void Command(byte command, long lba = 0, int count = 1, byte device = AtaControl.LbaMode)
    {
        var ide = Ide();
        ide.Out(AtaPort.SectorCount, (byte)count);
        ide.Out(AtaPort.LbaLow, (byte)lba);
        ide.Out(AtaPort.LbaMid, (byte)(lba >> 8));
        ide.Out(AtaPort.LbaHigh, (byte)(lba >> 16));
        ide.Out(AtaPort.Device, (byte)(device | ((lba >> 24) & 0x0f)));
        ide.Out(AtaPort.StatusCommand, command);
    }

    private byte[] ReadBlock(int bytes)
    {
        var data = new byte[bytes];
        for (int i = 0; i < bytes; i += 2)
            BitConverter.GetBytes((ushort)Ide().Read(AtaPort.Data, 2)).CopyTo(data, i);
        return data;
    }

    private void WriteBlock(byte[] data)
    {
        for (int i = 0; i < data.Length; i += 2)
            Ide().Write(AtaPort.Data, 2, BitConverter.ToUInt16(data, i));
    }

    private ushort[] Identify()
    {
        Command(AtaCommand.IdentifyDevice);
        var bytes = ReadBlock(512);
        return Enumerable.Range(0, 256).Select(i => BitConverter.ToUInt16(bytes, 2 * i)).ToArray();
    }

    private static string AtaString(ushort[] words, int first, int length)
        => new(Enumerable.Range(first, length / 2).SelectMany(i => new[] { (char)(words[i] >> 8), (char)(byte)words[i] }).ToArray());

    [Fact]
    public void Functions_identify_as_piix3_isa_bridge_and_ide_at_00_01()
    {
        var ide = Ide();
        ide.AddDevice<Piix3IsaDevice>("isa");
        var bridge = ide.PciFunction(new PciAddress(0, 1, 0));
        var function = ide.PciFunction(new PciAddress(0, 1, 1));
        Assert.Equal(0x7000_8086u, bridge.ReadConfig(PciConfigRegister.VendorId, 4));
        Assert.Equal(0x80u, bridge.ReadConfig(PciConfigRegister.HeaderType, 1)); // multi-function: scanners go on to .1
        Assert.Equal(0x7010_8086u, function.ReadConfig(PciConfigRegister.VendorId, 4));
        Assert.Equal(0x0101_8000u, function.ReadConfig(PciConfigRegister.RevisionId, 4));
        Assert.Equal(0u, function.ReadConfig(PciConfigRegister.Bar0 + 16, 4)); // no BAR 4: Linux keeps to PIO
        function.WriteConfig(Piix3Functions.IdeTiming, 4, 0x8000_8000); // SeaBIOS's channel enables
        Assert.Equal(0x8000_8000u, function.ReadConfig(Piix3Functions.IdeTiming, 4));
    }

    [Fact]
    public void Power_on_shows_the_ata_signature_and_a_ready_disk()
    {
        var ide = Ide();
        Assert.Equal(1, ide.In(AtaPort.SectorCount));
        Assert.Equal(1, ide.In(AtaPort.LbaLow));
        Assert.Equal(0, ide.In(AtaPort.LbaMid)); // 0x14/0xeb would be ATAPI
        Assert.Equal(0, ide.In(AtaPort.LbaHigh));
        Assert.Equal(AtaStatus.Idle, Status);
    }

    [Fact]
    public void Identify_reports_model_sizes_lba48_and_raises_irq14_once_per_block()
    {
        var words = Identify();
        Assert.Equal("Test Disk", AtaString(words, 27, 40).TrimEnd());
        Assert.Equal(0x0040, words[0]);
        Assert.NotEqual(0, words[49] & 1 << 9); // LBA
        Assert.Equal((uint)Sectors, words[60] | (uint)words[61] << 16);
        Assert.NotEqual(0, words[83] & 1 << 10); // LBA48
        Assert.Equal((ulong)Sectors, words[100] | (ulong)words[101] << 16 | (ulong)words[102] << 32);
        Assert.Equal(2, words[1]); // 2048 / (16 * 63) cylinders
        Assert.Equal(AtaStatus.Idle, AltStatus); // DRQ gone after 256 words
        Assert.True(Ide().Irq.Level);
        Assert.Equal(AtaStatus.Idle, Status); // reading Status acknowledges
        Assert.False(Ide().Irq.Level);
    }

    [Fact]
    public void Read_sectors_gives_the_image_with_an_interrupt_per_sector()
    {
        Command(AtaCommand.ReadSectors, lba: 100, count: 3);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(AtaStatus.Idle | AtaStatus.DataRequest, AltStatus);
            Assert.True(Ide().Irq.Level);
            Status.ToString(); // the guest's interrupt handler reads Status
            Assert.Equal(Pattern(100 + i), ReadBlock(512));
        }
        Assert.Equal(AtaStatus.Idle, Status);
        Assert.Equal(3, Ide().Irq.RisingEdges);
    }

    [Fact]
    public void Dword_data_reads_take_two_words_at_a_time()
    {
        Command(AtaCommand.ReadSectors, lba: 5);
        uint first = Ide().Read(AtaPort.Data, 4);
        Assert.Equal(5u, first);
    }

    [Fact]
    public void Chs_addresses_use_16_heads_and_63_sectors_per_track()
    {
        // cylinder 1, head 2, sector 4 = (1 * 16 + 2) * 63 + 3 = 1137
        var ide = Ide();
        ide.Out(AtaPort.SectorCount, 1);
        ide.Out(AtaPort.LbaLow, 4);
        ide.Out(AtaPort.LbaMid, 1);
        ide.Out(AtaPort.LbaHigh, 0);
        ide.Out(AtaPort.Device, 0xa2);
        ide.Out(AtaPort.StatusCommand, AtaCommand.ReadSectors);
        Assert.Equal(Pattern(1137), ReadBlock(512));
    }

    [Fact]
    public void Read_sectors_ext_takes_the_high_order_bytes_written_first()
    {
        var ide = Ide();
        ide.Out(AtaPort.SectorCount, 0); // high byte of the count
        ide.Out(AtaPort.LbaLow, 0);      // LBA bits 24-31
        ide.Out(AtaPort.LbaMid, 0);
        ide.Out(AtaPort.LbaHigh, 0);
        ide.Out(AtaPort.SectorCount, 2);
        ide.Out(AtaPort.LbaLow, 0x34);
        ide.Out(AtaPort.LbaMid, 0x02);
        ide.Out(AtaPort.LbaHigh, 0);
        ide.Out(AtaPort.Device, AtaControl.LbaMode);
        ide.Out(AtaPort.StatusCommand, AtaCommand.ReadSectorsExt);
        Assert.Equal(Pattern(0x234), ReadBlock(512));
        Assert.Equal(Pattern(0x235), ReadBlock(512));
        ide.PortWindow("control").Write(0, 1, AtaControl.HighOrderByte);
        Assert.Equal(0, ide.In(AtaPort.SectorCount)); // the previous (high) count byte
    }

    [Fact]
    public void Read_multiple_needs_set_multiple_mode_then_moves_a_block_per_interrupt()
    {
        Command(AtaCommand.ReadMultiple, lba: 10, count: 8);
        Assert.Equal(AtaStatus.Idle | AtaStatus.Error, Status);
        Assert.Equal(AtaError.Aborted, Ide().In(AtaPort.ErrorFeatures));

        Command(AtaCommand.SetMultipleMode, count: 4);
        Assert.Equal(AtaStatus.Idle, Status);
        int edges = Ide().Irq.RisingEdges;
        Command(AtaCommand.ReadMultiple, lba: 10, count: 8);
        Status.ToString(); // acknowledged, so the next block's interrupt is a new edge
        var first = ReadBlock(4 * 512);
        Assert.Equal(Pattern(13), first[(3 * 512)..]);
        Status.ToString();
        Assert.Equal(Pattern(17), ReadBlock(4 * 512)[(3 * 512)..]);
        Assert.Equal(edges + 2, Ide().Irq.RisingEdges);
        Assert.Equal(4, Identify()[59] & 0xff);

        Command(AtaCommand.SetMultipleMode, count: 3); // not a power of two
        Assert.Equal(AtaStatus.Idle | AtaStatus.Error, Status);
    }

    [Fact]
    public void Writes_to_a_readonly_disk_stay_in_memory()
    {
        var data = Enumerable.Range(0, 1024).Select(i => (byte)~i).ToArray();
        Command(AtaCommand.WriteSectors, lba: 7, count: 2);
        Assert.Equal(AtaStatus.Idle | AtaStatus.DataRequest, AltStatus);
        Assert.False(Ide().Irq.Level); // the first block is asked for without an interrupt
        WriteBlock(data);
        Assert.Equal(AtaStatus.Idle, Status);

        Command(AtaCommand.ReadSectors, lba: 7, count: 2);
        Assert.Equal(data, ReadBlock(1024));
        Assert.Equal(Pattern(7), File.ReadAllBytes(Path.Combine(_folder, "disk.img"))[(7 * 512)..(8 * 512)]);
    }

    [Fact]
    public void Writes_to_a_read_write_disk_reach_the_file_after_flush()
    {
        Ide(readOnly: false);
        var data = Enumerable.Repeat((byte)0x5a, 512).ToArray();
        Command(AtaCommand.WriteSectors, lba: 9);
        WriteBlock(data);
        Command(AtaCommand.FlushCache);
        Assert.Equal(AtaStatus.Idle, Status);
        _ide!.Dispose();
        _ide = null;
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(_folder, "disk.img"))[(9 * 512)..(10 * 512)]);
    }

    [Fact]
    public void An_address_past_the_end_is_id_not_found()
    {
        Command(AtaCommand.ReadSectors, lba: Sectors - 1, count: 2);
        Assert.Equal(AtaStatus.Idle | AtaStatus.Error, Status);
        Assert.Equal(AtaError.IdNotFound, Ide().In(AtaPort.ErrorFeatures));
    }

    [Fact]
    public void Nien_masks_the_interrupt_and_srst_restores_the_signature()
    {
        var control = Ide().PortWindow("control");
        control.Write(0, 1, AtaControl.InterruptsDisabled);
        Command(AtaCommand.ReadSectors, lba: 50);
        Assert.False(Ide().Irq.Level);
        control.Write(0, 1, AtaControl.InterruptsDisabled | AtaControl.SoftwareReset);
        Assert.Equal(AtaStatus.Busy, AltStatus);
        control.Write(0, 1, AtaControl.InterruptsDisabled);
        Assert.Equal(AtaStatus.Idle, AltStatus);
        Assert.Equal(1, Ide().In(AtaPort.SectorCount));
        Assert.Equal(1, Ide().In(AtaPort.LbaLow));
        Assert.Equal(AtaError.DiagnosticPassed, Ide().In(AtaPort.ErrorFeatures));
        Assert.Equal(0u, Ide().Read(AtaPort.Data, 2)); // the read was cut off
    }

    [Fact]
    public void An_absent_slave_reads_zero_and_ignores_commands()
    {
        var ide = Ide();
        ide.Out(AtaPort.Device, AtaControl.Device1);
        ide.Out(AtaPort.SectorCount, 0x55);
        Assert.Equal(0, ide.In(AtaPort.SectorCount)); // SeaBIOS's presence check fails
        ide.Out(AtaPort.StatusCommand, AtaCommand.IdentifyDevice);
        Assert.Equal(0, Status);
        ide.Out(AtaPort.Device, 0);
        Assert.Equal(0x55, ide.In(AtaPort.SectorCount)); // device 0 latched the write too
    }

    [Fact]
    public void Atapi_and_unknown_commands_abort()
    {
        Command(AtaCommand.IdentifyPacketDevice);
        Assert.Equal(AtaStatus.Idle | AtaStatus.Error, Status);
        Assert.Equal(AtaError.Aborted, Ide().In(AtaPort.ErrorFeatures));
    }

    [Theory]
    [InlineData("missing.img", "no such file")]
    [InlineData("", "needs the disk")]
    public void A_missing_image_is_an_error_naming_the_option(string image, string says)
    {
        var error = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<Piix3IdeDevice>(
            new() { ["image"] = image }, new DeviceHarnessSettings { BaseDirectory = _folder }));
        Assert.Equal("image", error.Option);
        Assert.Contains(says, error.Message);
    }

    [Fact]
    public void A_ragged_image_is_an_error_naming_the_option()
    {
        File.WriteAllBytes(Path.Combine(_folder, "ragged.img"), new byte[1000]);
        var error = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<Piix3IdeDevice>(
            new() { ["image"] = "ragged.img" }, new DeviceHarnessSettings { BaseDirectory = _folder }));
        Assert.Equal("image", error.Option);
        Assert.Contains("1000 bytes", error.Message);
    }
}
