using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;

namespace Hypervisor.Abstractions.Tests.Pci;

/// <summary>The SDK's BAR glue: which BAR states decode (QEMU's pci_bar_address) and how regions follow them.</summary>
public sealed class PciBarRegionsTests : IDisposable
{
    private readonly PciConfigSpace _config = new(0x1af4, 0x1000, 0x02_00_00, bars:
    [
        new PciBar(PciBarKind.Io, 32),
        new PciBar(PciBarKind.Memory32, 4096),
        new PciBar(PciBarKind.Memory64, 1UL << 20),
        null,
    ]);
    private readonly HarnessBuses _buses = new();
    private readonly PciBarRegions _regions;
    private readonly Window _io = new(32);
    private readonly Window _memory = new(4096);
    private readonly Window _memory64 = new(1 << 20);

    public PciBarRegionsTests()
    {
        _regions = new PciBarRegions(_config, _buses, "nic", Serilog.Core.Logger.None);
        _regions.Attach(0, (IPortDevice)_io);
        _regions.Attach(1, (IMmioDevice)_memory);
        _regions.Attach(2, (IMmioDevice)_memory64);
    }

    public void Dispose() => _regions.Dispose();

    private void WriteBar(int index, uint value) => _config.WriteConfig(PciConfigRegister.Bar0 + 4 * index, 4, value);

    private void Command(ushort bits) => _config.WriteConfig(PciConfigRegister.Command, 2, bits);

    [Theory]
    [InlineData(PciBarKind.Io, 0xc000UL, 32UL, true, true)]
    [InlineData(PciBarKind.Io, 0xc000UL, 32UL, false, false)]          // decoding off
    [InlineData(PciBarKind.Io, 0UL, 32UL, true, false)]                // address 0
    [InlineData(PciBarKind.Io, 0xffe0UL, 32UL, true, true)]            // the last 32 ports
    [InlineData(PciBarKind.Io, 0x1_0000UL, 32UL, true, false)]         // beyond 64 Ki ports
    [InlineData(PciBarKind.Io, 0xffff_ffe0UL, 32UL, true, false)]      // the sizing pattern
    [InlineData(PciBarKind.Memory32, 0xfe00_0000UL, 4096UL, true, true)]
    [InlineData(PciBarKind.Memory32, 0xffff_f000UL, 4096UL, true, false)] // ends at 0xffffffff: all ones
    [InlineData(PciBarKind.Memory64, 0x1_0000_0000UL, 4096UL, true, true)]
    [InlineData(PciBarKind.Memory64, 0xffff_ffff_ffff_f000UL, 4096UL, true, false)]
    public void A_bar_decodes_when_enabled_nonzero_and_inside_its_space(PciBarKind kind, ulong address, ulong size, bool enabled, bool decodes)
        => Assert.Equal(decodes, new PciBarMapping(0, kind, address, size, enabled).Decodes);

    [Fact]
    public void Io_bar_follows_the_io_enable_and_memory_bars_the_memory_enable()
    {
        WriteBar(0, 0xc001);
        WriteBar(1, 0xfebf_0000);
        WriteBar(2, 0xfe00_0000);
        Command(PciCommand.IoSpace);
        Assert.Equal(["nic BAR0 ports 0xc000-0xc01f"], _buses.Mapped);

        Command(PciCommand.MemorySpace);
        Assert.Equal(["nic BAR1 MMIO 0xfebf0000-0xfebf0fff", "nic BAR2 MMIO 0xfe000000-0xfe0fffff"], _buses.Mapped);
    }

    [Fact]
    public void Io_bar_answers_at_its_ports_with_offsets()
    {
        WriteBar(0, 0xc000);
        Command(PciCommand.IoSpace);

        _buses.Out(0xc004, 1, 0x42);
        Assert.Equal(["write 4/1=42"], _io.Accesses);
        Assert.Equal(0xffu, _buses.In(0xc020, 1));
    }

    [Fact]
    public void Sixty_four_bit_bar_maps_above_4GiB()
    {
        WriteBar(2, 0);
        WriteBar(3, 0x1);
        Command(PciCommand.MemorySpace);

        Assert.Equal(["nic BAR2 MMIO 0x100000000-0x1000fffff"], _buses.Mapped);
        Assert.Equal(0x8UL, _buses.ReadMmio(0x1_0000_0008, 4));
    }

    [Fact]
    public void Rewriting_the_same_address_keeps_one_mapping()
    {
        WriteBar(1, 0xfebf_0000);
        Command(PciCommand.MemorySpace);
        WriteBar(1, 0xfebf_0000);
        Command(PciCommand.MemorySpace | PciCommand.BusMaster);

        Assert.Single(_buses.Mapped);
    }

    [Fact]
    public void Dispose_unmaps_and_stops_following()
    {
        WriteBar(1, 0xfebf_0000);
        Command(PciCommand.MemorySpace);
        _regions.Dispose();
        WriteBar(1, 0xfeb0_0000);

        Assert.Empty(_buses.Mapped);
    }

    [Fact]
    public void Attach_checks_kind_and_size()
    {
        using var regions = new PciBarRegions(new PciConfigSpace(1, 2, 0, bars: [new PciBar(PciBarKind.Io, 32), new PciBar(PciBarKind.Memory32, 16)]),
            _buses, "x", Serilog.Core.Logger.None);
        Assert.Contains("port device", Assert.Throws<ArgumentException>(() => regions.Attach(0, (IMmioDevice)new Window(32))).Message);
        Assert.Contains("memory-mapped", Assert.Throws<ArgumentException>(() => regions.Attach(1, (IPortDevice)new Window(16))).Message);
        Assert.Contains("0x10 bytes", Assert.Throws<ArgumentException>(() => regions.Attach(1, (IMmioDevice)new Window(32))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => regions.Attach(2, (IMmioDevice)new Window(16)));
    }

    [Fact]
    public async Task Two_threads_programming_one_bar_leave_the_last_state_mapped()
    {
        Command(PciCommand.MemorySpace);
        var writers = Enumerable.Range(0, 2).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
                WriteBar(1, (uint)(0xfe00_0000 + (((i * 2) + t) % 16) * 0x1000));
        })).ToArray();
        await Task.WhenAll(writers);
        WriteBar(1, 0xfd00_0000);

        Assert.Equal(["nic BAR1 MMIO 0xfd000000-0xfd000fff"], _buses.Mapped);
    }

    /// <summary>A BAR's register window: records writes, reads back its offset.</summary>
    private sealed class Window(int size) : IPortDevice, IMmioDevice
    {
        public List<string> Accesses { get; } = [];
        public int PortCount => size;
        public ulong MmioSize => (ulong)size;
        public uint Read(ushort offset, int width) => offset;
        public void Write(ushort offset, int width, uint value) => Accesses.Add($"write {offset}/{width}={value:x}");
        public ulong Read(ulong offset, int width) => offset;
        public void Write(ulong offset, int width, ulong value) => Accesses.Add($"write {offset}/{width}={value:x}");
    }
}
