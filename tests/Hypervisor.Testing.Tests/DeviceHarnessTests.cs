using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;
using MiniVmm.Devices.Serial;

namespace Hypervisor.Testing.Tests;

/// <summary>The test kit itself: it must refuse what the machine would refuse.</summary>
public sealed class DeviceHarnessTests
{
    [Fact]
    public void An_option_given_as_an_object_is_refused_as_the_machine_refuses_it()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<DebugConsole>(new() { ["backend:file"] = "out.txt" }));

        Assert.Equal("backend", e.Option);
        Assert.Contains("not an object", e.Message);
    }

    [Fact]
    public void The_device_sits_on_the_harness_buses_at_its_standard_port_and_irq()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "memory" });

        uart.Buses.Out(0x3f8, 1, 'A');

        Assert.Equal("A", uart.Backend.OutputText);
        Assert.Equal(4, uart.Irq.Number);
        Assert.Equal((ushort)0x3f8, uart.Context.PortBase);
    }

    [Fact]
    public void A_given_port_moves_the_device_on_the_harness_buses()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>(settings: new() { PortBase = 0x2f8, Irq = 3 });

        uart.Buses.Out(0x2f8, 1, 'B');

        Assert.Equal("B", uart.Backend.OutputText);
        Assert.Equal(0xffu, uart.Buses.In(0x3f8 + 5));
    }

    [Fact]
    public void A_window_is_placed_at_its_declared_base_or_where_the_entry_moves_it()
    {
        using var chip = DeviceHarness.Create<TwoRangeChip>();
        using var moved = DeviceHarness.Create<TwoRangeChip>(settings: new() { Windows = new Dictionary<string, ulong> { ["status"] = 0x320 } });

        Assert.Equal(0x5au, chip.Buses.In(0x310));
        Assert.Equal(0x5a, chip.PortWindow("status").In(0));
        Assert.Equal(0xffu, moved.Buses.In(0x310));
        Assert.Equal(0x5au, moved.Buses.In(0x320));
    }

    [Fact]
    public void Supplying_an_undeclared_window_is_a_plugin_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DeviceHarness.Create<UndeclaredWindowChip>());

        Assert.Contains("declares no [DeviceWindow(\"status\")]", e.Message);
    }

    /// <summary>A chip with a main range at 0x300 and a one-port window at 0x310 that reads 0x5a.</summary>
    [Device("two-range-chip", Port = 0x300)]
    [DeviceWindow("status", Port = 0x310)]
    public sealed class TwoRangeChip : IPortDevice
    {
        public TwoRangeChip(DeviceContext context) => context.Windows.AddPorts("status", new StatusPort());

        public int PortCount => 1;

        public uint Read(ushort offset, int size) => 0;

        public void Write(ushort offset, int size, uint value) { }
    }

    [Device("undeclared-window-chip", Port = 0x300)]
    public sealed class UndeclaredWindowChip : IPortDevice
    {
        public UndeclaredWindowChip(DeviceContext context) => context.Windows.AddPorts("status", new StatusPort());

        public int PortCount => 1;

        public uint Read(ushort offset, int size) => 0;

        public void Write(ushort offset, int size, uint value) { }
    }

    private sealed class StatusPort : IPortDevice
    {
        public int PortCount => 1;

        public uint Read(ushort offset, int size) => 0x5a;

        public void Write(ushort offset, int size, uint value) { }
    }

    [Fact]
    public void An_access_past_the_devices_ports_is_refused_as_the_bus_would()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();

        Assert.Throws<ArgumentOutOfRangeException>(() => exit.Write(0, 2, 1));
        Assert.False(exit.Vm.StopRequested);
    }

    [Fact]
    public void Port_accesses_of_odd_sizes_are_refused()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();

        Assert.Throws<ArgumentOutOfRangeException>(() => uart.Read(0, 3));
    }

    [Fact]
    public void Mmio_on_a_port_device_is_a_test_error()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();

        Assert.Throws<InvalidOperationException>(() => uart.ReadMmio(0, 1));
    }

    [Fact]
    public void The_first_stop_request_decides_the_exit_code()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();

        exit.Out(0, 1);
        exit.Out(0, 2);

        Assert.Equal(2, exit.Vm.StopRequests.Count);
        Assert.Equal(3, exit.Vm.ExitCode);
    }

    [Fact]
    public void Guest_memory_is_real_and_bounds_checked()
    {
        using var harness = DeviceHarness.Create<DebugConsole>(settings: new() { MemoryBase = 0x1000, MemorySize = 0x100 });
        IGuestMemory memory = harness.Context.Memory;

        memory.Write(0x10fe, [1, 2]);
        var back = new byte[2];
        memory.Read(0x10fe, back);

        Assert.Equal(new byte[] { 1, 2 }, back);
        Assert.True(memory.IsRam(0x1000, 0x100));
        Assert.False(memory.IsRam(0x10ff, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Write(0x10ff, [1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => memory.Read(0xfff, back));
    }

    [Fact]
    public void The_device_gets_the_entrys_name_and_a_logger_tagged_with_it()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>(settings: new() { Name = "exit0" });
        exit.Out(0, 0);

        Assert.Equal("exit0", exit.Context.Name);
        Assert.Equal("\"exit0\"", exit.Log.Events.Single().Properties["Device"].ToString());
    }

    [Fact]
    public void Asking_for_a_backend_the_device_did_not_open_is_a_test_error()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();

        Assert.Throws<InvalidOperationException>(() => exit.Backend);
    }
}
