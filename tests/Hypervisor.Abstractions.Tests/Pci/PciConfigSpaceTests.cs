using Hypervisor.Abstractions.Pci;

namespace Hypervisor.Abstractions.Tests.Pci;

/// <summary>BAR sizing and programming (PCI Local Bus Specification 3.0, 6.2.5.1) in the SDK's configuration space.</summary>
public sealed class PciConfigSpaceTests
{
    private readonly List<PciBarMapping> _changes = [];
    private readonly PciConfigSpace _config;

    public PciConfigSpaceTests()
    {
        _config = new PciConfigSpace(0x1af4, 0x1000, 0x02_00_00, bars:
        [
            new PciBar(PciBarKind.Io, 32),
            new PciBar(PciBarKind.Memory32, 4096),
            new PciBar(PciBarKind.Memory64, 1UL << 33, Prefetchable: true),
            null,
        ], interruptPin: 1);
        _config.BarChanged += _changes.Add;
    }

    private uint Bar(int index) => _config.ReadConfig(PciConfigRegister.Bar0 + 4 * index, 4);

    private void WriteBar(int index, uint value) => _config.WriteConfig(PciConfigRegister.Bar0 + 4 * index, 4, value);

    [Fact]
    public void Writing_all_ones_reads_back_the_size_mask_with_the_type_bits()
    {
        WriteBar(0, 0xffff_ffff);
        WriteBar(1, 0xffff_ffff);

        Assert.Equal(0xffff_ffe1u, Bar(0)); // 32 ports, I/O
        Assert.Equal(0xffff_f000u, Bar(1)); // 4 KiB, 32-bit memory
    }

    [Fact]
    public void Sixty_four_bit_bar_sizes_across_both_halves()
    {
        WriteBar(2, 0xffff_ffff);
        WriteBar(3, 0xffff_ffff);

        Assert.Equal(0x0000_000cu, Bar(2)); // 64-bit, prefetchable, size >= 4 GiB
        Assert.Equal(0xffff_fffeu, Bar(3)); // 8 GiB
    }

    [Fact]
    public void Unimplemented_bars_read_zero_and_ignore_writes()
    {
        WriteBar(5, 0xffff_ffff);

        Assert.Equal(0u, Bar(5));
    }

    [Fact]
    public void Programming_a_bar_and_enabling_decode_reports_the_mapping()
    {
        WriteBar(1, 0xfebf_1000);
        Assert.Equal(new PciBarMapping(1, PciBarKind.Memory32, 0xfebf_1000, 4096, Enabled: false), Assert.Single(_changes));
        _changes.Clear();

        _config.WriteConfig(PciConfigRegister.Command, 2, PciCommand.MemorySpace | PciCommand.IoSpace);

        Assert.Contains(new PciBarMapping(1, PciBarKind.Memory32, 0xfebf_1000, 4096, Enabled: true), _changes);
        Assert.Contains(_changes, m => m.Index == 0 && m.Enabled);
    }

    [Fact]
    public void Address_bits_below_the_size_are_dropped()
    {
        WriteBar(0, 0xc01f);

        Assert.Equal(0xc001u, Bar(0));
    }

    [Fact]
    public void Writes_that_change_nothing_report_nothing()
    {
        _config.WriteConfig(PciConfigRegister.LatencyTimer, 1, 0x40);

        Assert.Empty(_changes);
        Assert.Equal(0x40u, _config.ReadConfig(PciConfigRegister.LatencyTimer, 1));
    }

    [Fact]
    public void Interrupt_line_is_writable_and_the_pin_is_not()
    {
        _config.WriteConfig(PciConfigRegister.InterruptLine, 2, 0xff0b);

        Assert.Equal(0x010bu, _config.ReadConfig(PciConfigRegister.InterruptLine, 2));
    }

    [Fact]
    public void A_bar_size_that_is_not_a_power_of_two_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new PciConfigSpace(1, 2, 3, bars: [new PciBar(PciBarKind.Memory32, 3000)]));

        Assert.Contains("BAR 0", e.Message);
    }

    [Fact]
    public void Accesses_crossing_a_dword_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _config.ReadConfig(3, 2));
    }
}
