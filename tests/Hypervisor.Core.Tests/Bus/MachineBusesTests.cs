using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;
using Hypervisor.Testing;
using Serilog;
using Serilog.Events;

namespace Hypervisor.Core.Tests.Bus;

/// <summary>The core's IBusMapper: run-time regions on the machine's real buses, overlaps allowed but reported.</summary>
public sealed class MachineBusesTests
{
    private readonly PortBus _ports = new();
    private readonly MmioBus _mmio = new();
    private readonly LogCapture _log = new();
    private readonly MachineBuses _buses;

    public MachineBusesTests() => _buses = new MachineBuses(_ports, _mmio, new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_log).CreateLogger());

    [Fact]
    public void A_bar_over_an_isa_device_decodes_warns_and_gives_the_ports_back()
    {
        _ports.Register(0x3f8, new Ports(8, 0x11), "com1");

        var region = _buses.MapPorts(0x3f8, new Ports(4, 0x22), "nic BAR0");

        Assert.Equal("ports 0x3f8-0x3fb", region.Range);
        Assert.Equal(0x22u, _ports.Read(0x3f8, 1));
        Assert.Equal(0x11u, _ports.Read(0x3fc, 1));
        Assert.Contains(_log.Messages(LogEventLevel.Warning), m => m.Contains("'com1' (ports 0x3f8-0x3ff)"));

        region.Dispose();
        region.Dispose();
        Assert.Equal(0x11u, _ports.Read(0x3f8, 1));
        Assert.Single(_ports.Registrations);
    }

    [Fact]
    public void Mmio_regions_map_and_unmap_without_a_warning_when_alone()
    {
        var region = _buses.MapMmio(0xfe00_0000, new Mmio(0x1000), "edu BAR0");
        Assert.Equal("MMIO 0xfe000000-0xfe000fff", region.Range);
        Assert.Equal("edu BAR0", _mmio.Find(0xfe00_0fff)!.Name);
        Assert.Empty(_log.Messages(LogEventLevel.Warning));

        region.Dispose();
        Assert.Null(_mmio.Find(0xfe00_0000));
    }

    [Fact]
    public void Ranges_outside_the_address_spaces_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => _buses.MapPorts(0xfff0, new Ports(32, 0), "bar"));
        Assert.Throws<ArgumentException>(() => _buses.MapMmio(ulong.MaxValue - 0xf, new Mmio(0x100), "bar"));
    }

    private sealed class Ports(int count, uint answer) : IPortDevice
    {
        public int PortCount => count;
        public uint Read(ushort offset, int size) => answer;
        public void Write(ushort offset, int size, uint value) { }
    }

    private sealed class Mmio(ulong size) : IMmioDevice
    {
        public ulong MmioSize => size;
        public ulong Read(ulong offset, int width) => 0;
        public void Write(ulong offset, int width, ulong value) { }
    }
}
