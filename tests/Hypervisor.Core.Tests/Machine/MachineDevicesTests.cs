using Hypervisor.Core.Backends;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Serilog;

namespace Hypervisor.Core.Tests.Machine;

/// <summary>Device entries checked against the real plugins before a VM starts.</summary>
public class MachineDevicesTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly PluginCatalog _catalog = PluginCatalog.Load([RepoPaths.BuiltPlugins]);
    private readonly GuestMemory _memory = new([(0, 0x1000)]);

    public void Dispose()
    {
        _memory.Dispose();
        _catalog.Dispose();
        _files.Dispose();
    }

    private MachineDevices Build(string devices)
    {
        _files.Write("g.bin", new byte[1]);
        var config = MachineFileReader.Load(_files.Write("m.json", $$"""
            { "memory": [ { "base": 0, "size": "4KiB" } ], "boot": { "image": "g.bin", "loadAddress": 0 }, "devices": [ {{devices}} ] }
            """));
        var env = new MachineDevices.Environment(_memory, new HostClock(), new MachineControl(), new InterruptRouter(), Serilog.Core.Logger.None, _files.Directory);
        return MachineDevices.Build(config, _catalog, env);
    }

    [Fact]
    public void Devices_land_on_the_port_bus_at_their_base()
    {
        using var devices = Build("""
            { "type": "uart16550", "name": "com1", "ports": "0x3f8", "options": { "backend": "null" } },
            { "type": "uart16550", "name": "com2", "ports": "0x2f8", "options": { "backend": "null" } }
            """);

        Assert.Equal("com1", devices.Ports.Find(0x3ff)!.Name);
        Assert.Equal("com2", devices.Ports.Find(0x2f8)!.Name);
        Assert.Null(devices.Ports.Find(0x300));
        // LSR (offset 5) of an idle 16550: transmitter empty.
        Assert.Equal(0x60u, devices.Ports.Read(0x3fd, 1) & 0x60);
    }

    [Fact]
    public void Every_bad_entry_is_reported_with_its_path()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "uart16550", "ports": "0x3f8", "options": { "speed": 1 } },
            { "type": "nosuch", "ports": "0x10" },
            { "type": "isa-debug-exit", "ports": "0xf4", "options": { "iosize": 3 } },
            { "type": "debugcon", "mmio": "0x1000" },
            { "type": "debugcon", "name": "post", "ports": "0x80" },
            { "type": "debugcon", "name": "dbg", "ports": "0x80" }
            """));

        Assert.Contains(error.Problems, p => p.StartsWith("devices[0].options.speed: device type 'uart16550' has no option 'speed'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("devices[1].type: unknown device type 'nosuch'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("devices[2].options.iosize: isa-debug-exit 'isa-debug-exit':", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("devices[3]: device type 'debugcon' sits on the port bus and needs \"ports\"", StringComparison.Ordinal));
        Assert.Contains("devices[5]: device 'dbg' (ports 0x80) overlaps device 'post' (ports 0x80) at port 0x80", error.Problems);
    }

    [Fact]
    public void A_backend_that_cannot_be_opened_is_an_option_error()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "debugcon", "ports": "0xe9", "options": { "backend": "file:/nonexistent/dir/out.txt" } }
            """));

        Assert.Contains(error.Problems, p => p.StartsWith("devices[0].options.backend:", StringComparison.Ordinal) && p.Contains("/nonexistent/dir/out.txt"));
    }
}
