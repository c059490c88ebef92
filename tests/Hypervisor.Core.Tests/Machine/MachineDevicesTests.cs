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
        Assert.Contains(error.Problems, p => p.StartsWith("devices[3].mmio: device type 'debugcon' is not a memory-mapped device", StringComparison.Ordinal));
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

    [Fact]
    public void A_chip_without_ports_or_irq_sits_at_its_standard_place_with_its_windows()
    {
        using var devices = Build("""{ "type": "i8259" }, { "type": "i8254" }, { "type": "i8042" }""");

        Assert.Equal("i8259", devices.Ports.Find(0x21)!.Name);
        Assert.Equal("i8259.slave", devices.Ports.Find(0xa1)!.Name);
        Assert.Equal("i8259.elcr", devices.Ports.Find(0x4d1)!.Name);
        Assert.Equal("i8254", devices.Ports.Find(0x43)!.Name);
        Assert.Equal("i8254.port61", devices.Ports.Find(0x61)!.Name);
        Assert.Equal("i8042", devices.Ports.Find(0x64)!.Name);
        Assert.Equal("i8042.data", devices.Ports.Find(0x60)!.Name);
        Assert.Equal([0, 1], devices.Devices.Select(d => d.Irq).OfType<int>().Order());
        Assert.Same(devices.OwnerOf("i8259.slave"), devices.Devices[0]);
    }

    [Fact]
    public void Windows_move_with_the_entry_and_unknown_windows_are_named()
    {
        using (var devices = Build("""{ "type": "i8259", "ports": "0x120", "windows": { "slave": "0x1a0" } }"""))
        {
            Assert.Equal("i8259", devices.Ports.Find(0x120)!.Name);
            Assert.Equal("i8259.slave", devices.Ports.Find(0x1a0)!.Name);
            Assert.Null(devices.Ports.Find(0xa0));
            Assert.Equal("i8259.elcr", devices.Ports.Find(0x4d0)!.Name);
        }

        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "i8259", "windows": { "master": "0x20" } },
            { "type": "i8254", "name": "pit" },
            { "type": "debugcon", "name": "beeper", "ports": "0x61" }
            """));
        Assert.Contains(error.Problems, p => p.StartsWith("devices[0].windows.master: device type 'i8259' has no window 'master' (it has: slave, elcr)", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.StartsWith("devices[2]: device 'beeper' (ports 0x61) overlaps device 'pit.port61'", StringComparison.Ordinal));
    }

    [Fact]
    public void An_option_given_as_an_object_is_an_error_not_ignored()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "debugcon", "options": { "backend": { "file": "out.txt" } } }
            """));

        Assert.Equal("devices[0].options.backend: expected a value (a string, number or boolean), not an object or array", Assert.Single(error.Problems));
    }

    [Fact]
    public void An_mmio_device_on_ram_is_an_error()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""{ "type": "mmio-clock", "name": "clk", "mmio": "0x800" }"""));

        Assert.StartsWith("devices[0]: 'clk' (MMIO 0x800-0x80f) lies on RAM (memory[0], 0x0-0xfff)", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_uart_on_the_pit_irq_is_an_error_naming_both()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "i8259" }, { "type": "i8254", "name": "pit" },
            { "type": "uart16550", "name": "com1", "irq": 0, "options": { "backend": "null" } }
            """));

        Assert.StartsWith("devices[2].irq: IRQ 0 is already driven by 'pit' (devices[1])", Assert.Single(error.Problems));
    }

    [Fact]
    public void An_irq_written_without_an_interrupt_controller_is_an_error()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""
            { "type": "uart16550", "irq": 4, "options": { "backend": "null" } }
            """));

        Assert.StartsWith("devices[0].irq: IRQ 4 goes nowhere: the machine has no interrupt controller", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_retired_companion_entry_says_which_chip_brings_its_ports_now()
    {
        var error = Assert.Throws<MachineFileException>(() => Build("""{ "type": "i8259" }, { "type": "i8259-slave-ports", "ports": "0xa0" }"""));

        Assert.StartsWith("devices[1].type: 'i8259-slave-ports' is no longer a device type: the i8259 entry brings the slave's ports", Assert.Single(error.Problems));
    }
}
