using System.Buffers.Binary;
using System.Security.Cryptography;
using Hypervisor.Abstractions;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioBlk;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioBlk;

/// <summary>
/// virtio-blk's copy-on-write overlay: the base image opened read-only and never changed, the
/// guest's writes in an overlay file (kept across runs) or in memory, copied a cluster at a time.
/// </summary>
public sealed class VirtioBlkOverlayTests : IDisposable
{
    private const ulong Window = 0xd000_0000;
    // Three clusters, the last one short: 300 sectors = 150 KiB.
    private const int Sectors = 300;
    private readonly string _folder = Directory.CreateTempSubdirectory("minivmm-overlay").FullName;
    private readonly string _base;
    private readonly byte[] _baseHash;
    private DeviceHarness<VirtioBlkMmio>? _harness;
    private VirtioDriver _driver = null!;

    public VirtioBlkOverlayTests()
    {
        var bytes = new byte[Sectors * 512];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i / 512 + i % 7);
        _base = Path.Combine(_folder, "base.img");
        File.WriteAllBytes(_base, bytes);
        _baseHash = SHA256.HashData(bytes);
    }

    public void Dispose()
    {
        _harness?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string OverlayPath => Path.Combine(_folder, "overlay.cow");

    private void Start(string overlay)
    {
        _harness?.Dispose();
        _harness = DeviceHarness.Create<VirtioBlkMmio>(new() { ["image"] = _base, ["overlay"] = overlay },
            new DeviceHarnessSettings { MmioBase = Window, Irq = 10 });
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, Window), _harness.Memory);
        _driver.Start(queues: 1);
    }

    private CowOverlay Disk => (CowOverlay)((MiniVmm.Devices.VirtioBlk.VirtioBlk)_harness!.Device.Core.Device).Disk;

    private byte Request(uint type, ulong sector, byte[]? write = null, int readLength = 0, byte[]? readBack = null)
    {
        ulong header = _driver.Allocate(BlkLayout.HeaderSize);
        var h = new byte[BlkLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, type);
        BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), sector);
        _driver.WriteMemory(header, h);
        ulong status = _driver.Allocate(1);
        var chain = new List<ChainBuffer> { Out(header, BlkLayout.HeaderSize) };
        if (write != null)
        {
            ulong at = _driver.Allocate((ulong)write.Length);
            _driver.WriteMemory(at, write);
            chain.Add(Out(at, (uint)write.Length));
        }
        ulong data = readLength > 0 ? _driver.Allocate((ulong)readLength) : 0;
        if (readLength > 0)
            chain.Add(In(data, (uint)readLength));
        chain.Add(In(status, 1));
        _driver.Submit(0, [.. chain]);
        Assert.True(_driver.WaitForUsed(0, TimeSpan.FromSeconds(10), out _, out _));
        readBack?.AsSpan().Clear();
        if (readBack != null)
            _driver.ReadMemory(data, readLength).CopyTo(readBack, 0);
        return _driver.ReadMemory(status, 1)[0];
    }

    private byte[] ReadSectors(ulong sector, int count)
    {
        var data = new byte[count * 512];
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.In, sector, readLength: data.Length, readBack: data));
        return data;
    }

    private byte[] BaseSectors(int sector, int count) => File.ReadAllBytes(_base).AsSpan(sector * 512, count * 512).ToArray();

    private static byte[] Pattern(int sectors, byte value) => Enumerable.Repeat(value, sectors * 512).ToArray();

    [Theory]
    [InlineData("memory")]
    [InlineData("file")]
    public void Writes_read_back_through_the_overlay_and_the_base_never_changes(string kind)
    {
        Start(kind == "memory" ? "memory" : OverlayPath);
        Assert.Equal(0UL, _driver.Transport.DeviceFeatures & BlkFeature.ReadOnly);
        // Across the boundary of clusters 0 and 1 (sector 128), then into the short last cluster.
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Out, 126, write: Pattern(4, 0xa5)));
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Out, 299, write: Pattern(1, 0x3c)));
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Flush, 0));

        Assert.Equal(Pattern(4, 0xa5), ReadSectors(126, 4));
        Assert.Equal(Pattern(1, 0x3c), ReadSectors(299, 1));
        // The rest of each copied cluster is the base's, and untouched clusters read the base.
        Assert.Equal(BaseSectors(0, 126), ReadSectors(0, 126));
        Assert.Equal(BaseSectors(130, 126), ReadSectors(130, 126));
        Assert.Equal(BaseSectors(256, 43), ReadSectors(256, 43));
        Assert.Equal(3UL, Disk.AllocatedClusters);
        Assert.Equal(_baseHash, SHA256.HashData(File.ReadAllBytes(_base)));
    }

    [Fact]
    public void A_file_overlay_keeps_the_writes_for_the_next_run()
    {
        Start(OverlayPath);
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Out, 200, write: Pattern(2, 0x77)));
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.WriteZeroes, 0, write: Segment(10, 3)));
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Flush, 0));

        Start(OverlayPath); // a new device on the same files
        Assert.Equal(2UL, Disk.AllocatedClusters);
        Assert.Equal(Pattern(2, 0x77), ReadSectors(200, 2));
        Assert.Equal(new byte[3 * 512], ReadSectors(10, 3));
        Assert.Equal(BaseSectors(13, 1), ReadSectors(13, 1));
        Assert.Equal(_baseHash, SHA256.HashData(File.ReadAllBytes(_base)));
    }

    [Fact]
    public void A_memory_overlay_is_gone_with_the_device()
    {
        Start("memory");
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Out, 5, write: Pattern(1, 0x11)));
        Start("memory");
        Assert.Equal(BaseSectors(5, 1), ReadSectors(5, 1));
    }

    [Fact]
    public void A_discard_leaves_the_overlay_and_the_base_as_they_were()
    {
        Start("memory");
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Out, 5, write: Pattern(1, 0x11)));
        Assert.Equal(BlkStatus.Ok, Request(BlkRequestType.Discard, 0, write: Segment(0, 20)));
        Assert.Equal(Pattern(1, 0x11), ReadSectors(5, 1));
        Assert.Equal(BaseSectors(6, 1), ReadSectors(6, 1));
    }

    [Fact]
    public void An_overlay_made_for_another_base_size_is_refused_naming_the_option()
    {
        Start(OverlayPath);
        _harness!.Dispose();
        _harness = null;
        File.WriteAllBytes(_base, new byte[100 * 512]);
        var e = Assert.Throws<DeviceConfigurationException>(() => Start(OverlayPath));
        Assert.Equal("overlay", e.Option);
        Assert.Contains("was made for a base of 153600 bytes; the image has 51200", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_overlay_is_refused_and_left_alone()
    {
        File.WriteAllText(OverlayPath, "precious data");
        var e = Assert.Throws<DeviceConfigurationException>(() => Start(OverlayPath));
        Assert.Equal("overlay", e.Option);
        Assert.Contains("is not a minivmm overlay", e.Message);
        Assert.Equal("precious data", File.ReadAllText(OverlayPath));
    }

    [Fact]
    public void Read_only_with_an_overlay_is_a_configuration_error()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<VirtioBlkMmio>(
            new() { ["image"] = _base, ["overlay"] = "memory", ["readonly"] = "true" }, new DeviceHarnessSettings { MmioBase = Window }));
        Assert.Equal("overlay", e.Option);
    }

    private static byte[] Segment(ulong sector, uint count)
    {
        var s = new byte[BlkLayout.SegmentSize];
        BinaryPrimitives.WriteUInt64LittleEndian(s, sector);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(8), count);
        return s;
    }
}
