using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioBlk;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioBlk;

/// <summary>virtio-blk on a real raw image file, driven through virtio-mmio as Linux's driver would.</summary>
public sealed class VirtioBlkTests : IDisposable
{
    private const ulong Window = 0xd000_0000;
    private const int Sectors = 64;
    private readonly string _image = Path.GetTempFileName();
    private DeviceHarness<VirtioBlkMmio>? _harness;
    private VirtioDriver _driver = null!;

    public VirtioBlkTests()
    {
        var bytes = new byte[Sectors * 512];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i / 512 + i % 7);
        File.WriteAllBytes(_image, bytes);
    }

    public void Dispose()
    {
        _harness?.Dispose();
        File.Delete(_image);
    }

    private void Start(bool readOnly = false)
    {
        _harness = DeviceHarness.Create<VirtioBlkMmio>(
            new() { ["image"] = _image, ["readonly"] = readOnly ? "true" : "false", ["serial"] = "disk-7" },
            new DeviceHarnessSettings { MmioBase = Window, Irq = 10 });
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, Window), _harness.Memory);
        _driver.Start(queues: 1);
    }

    // A request as Linux builds it: header, data, status byte. Returns the status and the used length.
    private (byte Status, uint Length) Run(uint type, ulong sector, ulong data = 0, uint dataLength = 0, bool deviceWritesData = false, byte[]? readable = null)
    {
        ulong header = _driver.Allocate(BlkLayout.HeaderSize);
        var h = new byte[BlkLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), sector);
        _driver.WriteMemory(header, h);
        ulong status = _driver.Allocate(1);
        _driver.WriteMemory(status, [0xff]);
        var chain = new List<ChainBuffer> { Out(header, BlkLayout.HeaderSize) };
        if (readable != null)
        {
            ulong at = _driver.Allocate((ulong)readable.Length);
            _driver.WriteMemory(at, readable);
            chain.Add(Out(at, (uint)readable.Length));
        }
        if (dataLength > 0)
            chain.Add(new ChainBuffer(data, dataLength, deviceWritesData));
        chain.Add(In(status, 1));
        _driver.Submit(0, [.. chain]);
        Assert.True(_driver.WaitForUsed(0, TimeSpan.FromSeconds(10), out _, out uint length));
        return (_driver.ReadMemory(status, 1)[0], length);
    }

    private static byte[] Segment(ulong sector, uint count)
    {
        var s = new byte[BlkLayout.SegmentSize];
        BinaryPrimitives.WriteUInt64LittleEndian(s, sector);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(8), count);
        return s;
    }

    private byte[] FileSectors(int sector, int count)
    {
        using var file = new FileStream(_image, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var data = new byte[count * 512];
        file.Position = sector * 512L;
        file.ReadExactly(data);
        return data;
    }

    [Fact]
    public void Config_space_gives_the_capacity_in_sectors_and_the_block_size()
    {
        Start();
        Assert.Equal((ulong)Sectors, _driver.Transport.ReadConfig(BlkConfig.Capacity, 8));
        Assert.Equal(512u, (uint)_driver.Transport.ReadConfig(BlkConfig.BlockSize, 4));
        Assert.Equal(VirtioDeviceType.Block, (ushort)((VirtioMmioDriverTransport)_driver.Transport).Read(VirtioMmioRegister.DeviceId));
    }

    [Fact]
    public void A_read_copies_the_image_sectors_into_guest_memory()
    {
        Start();
        ulong data = _driver.Allocate(1024);
        var (status, length) = Run(BlkRequestType.In, 3, data, 1024, deviceWritesData: true);
        Assert.Equal(BlkStatus.Ok, status);
        Assert.Equal(1025u, length);
        Assert.Equal(FileSectors(3, 2), _driver.ReadMemory(data, 1024));
    }

    [Fact]
    public void A_write_reaches_the_image_file_and_flush_succeeds()
    {
        Start();
        ulong data = _driver.Allocate(512);
        _driver.WriteMemory(data, Enumerable.Repeat((byte)0x5a, 512).ToArray());
        Assert.Equal(BlkStatus.Ok, Run(BlkRequestType.Out, 10, data, 512).Status);
        Assert.Equal(BlkStatus.Ok, Run(BlkRequestType.Flush, 0).Status);
        _harness!.Dispose();
        _harness = null;
        Assert.All(FileSectors(10, 1), b => Assert.Equal(0x5a, b));
    }

    [Fact]
    public void A_read_only_disk_offers_ro_and_fails_writes()
    {
        Start(readOnly: true);
        Assert.NotEqual(0UL, _driver.Transport.DeviceFeatures & BlkFeature.ReadOnly);
        var before = FileSectors(10, 1);
        ulong data = _driver.Allocate(512);
        Assert.Equal(BlkStatus.IoError, Run(BlkRequestType.Out, 10, data, 512).Status);
        Assert.Equal(before, FileSectors(10, 1));
    }

    [Fact]
    public void Requests_past_the_end_fail_with_an_io_error()
    {
        Start();
        ulong data = _driver.Allocate(1024);
        Assert.Equal(BlkStatus.IoError, Run(BlkRequestType.In, Sectors - 1, data, 1024, deviceWritesData: true).Status);
        Assert.Equal(BlkStatus.IoError, Run(BlkRequestType.In, ulong.MaxValue, data, 512, deviceWritesData: true).Status);
    }

    [Fact]
    public void Get_id_answers_the_serial()
    {
        Start();
        ulong id = _driver.Allocate(BlkLayout.IdSize);
        var (status, length) = Run(BlkRequestType.GetId, 0, id, BlkLayout.IdSize, deviceWritesData: true);
        Assert.Equal(BlkStatus.Ok, status);
        Assert.Equal(21u, length);
        Assert.Equal("disk-7", Encoding.ASCII.GetString(_driver.ReadMemory(id, BlkLayout.IdSize)).TrimEnd('\0'));
    }

    [Fact]
    public void Write_zeroes_clears_the_sectors_and_discard_succeeds()
    {
        Start();
        Assert.Equal(BlkStatus.Ok, Run(BlkRequestType.WriteZeroes, 0, readable: Segment(5, 3)).Status);
        Assert.All(FileSectors(5, 3), b => Assert.Equal(0, b));
        Assert.NotEqual(0, FileSectors(8, 1)[1]);
        Assert.Equal(BlkStatus.Ok, Run(BlkRequestType.Discard, 0, readable: Segment(20, 4)).Status);
        Assert.Equal(BlkStatus.IoError, Run(BlkRequestType.Discard, 0, readable: Segment(Sectors - 1, 4)).Status);
    }

    [Fact]
    public void An_unknown_request_type_is_unsupported()
    {
        Start();
        Assert.Equal(BlkStatus.Unsupported, Run(99, 0).Status);
    }

    [Fact]
    public void A_missing_image_is_a_configuration_error_naming_the_option()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<VirtioBlkMmio>(
            new() { ["image"] = "/nonexistent/disk.img" }, new DeviceHarnessSettings { MmioBase = Window }));
        Assert.Equal("image", e.Option);
        var none = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<VirtioBlkMmio>(
            settings: new DeviceHarnessSettings { MmioBase = Window }));
        Assert.Equal("image", none.Option);
    }
}
