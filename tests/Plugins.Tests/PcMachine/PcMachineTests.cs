using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;

namespace Plugins.Tests.PcMachine;

/// <summary>
/// configs/pc.json (the complete PC) built by the core from the plugins in artifacts/ (as minivmm builds it), on a
/// manual clock: one entry per chip brings all its ports, a PIT tick reaches the CPU's INTR, and the
/// order of the entries does not matter.
/// </summary>
public sealed class PcMachineTests : IDisposable
{
    private readonly ManualClock _clock = new();
    private readonly MachineDevices _machine;

    public PcMachineTests() => _machine = BuildPc(_clock, entries => entries);

    public void Dispose() => _machine.Dispose();

    private static MachineDevices BuildPc(ManualClock clock, Func<IReadOnlyList<DeviceConfig>, IEnumerable<DeviceConfig>> order)
    {
        string root = RepoRoot();
        var config = MachineFileReader.Load(Path.Combine(root, "configs", "pc.json"));
        config = config with { Devices = order(config.Devices).ToList() };
        var catalog = PluginCatalog.Load([Path.Combine(root, "artifacts", "plugins")]);
        var environment = new MachineDevices.Environment(new ArrayGuestMemory(0, 4096), clock, new MachineControl(),
            new InterruptRouter(), Serilog.Core.Logger.None, config.Directory);
        return MachineDevices.Build(config, catalog, environment);
    }

    private void Out(ushort port, byte value) => Out(_machine, port, value);

    private byte In(ushort port) => (byte)_machine.Ports.Read(port, 1);

    private static void Out(MachineDevices machine, ushort port, byte value) => machine.Ports.Write(port, 1, value);

    [Fact]
    public void Pc_json_has_one_entry_per_chip()
    {
        var types = _machine.Devices.Select(d => d.Config.Type).ToList();

        Assert.Equal(types.Distinct(), types);
        Assert.True(types.Count <= 9, $"{types.Count} entries");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Shuffled_pc_entries_build_the_same_machine(int seed)
    {
        var clock = new ManualClock();
        var random = new Random(seed);
        using var machine = BuildPc(clock, entries => seed == 0 ? entries.Reverse() : entries.OrderBy(_ => random.Next()).ToList());

        ProgramPicAndPitAt100Hz(machine);
        clock.Advance(TimeSpan.FromMilliseconds(10.1));

        Assert.Equal(0x20, machine.InterruptController!.Acknowledge());
        Assert.Equal(_machine.Ports.Registrations.Select(r => (r.Name, r.Range)).Order(), machine.Ports.Registrations.Select(r => (r.Name, r.Range)).Order());
    }

    private static void ProgramPicAndPitAt100Hz(MachineDevices machine)
    {
        foreach (var (port, value) in new (ushort, byte)[]
        {
            (0x20, 0x11), (0xa0, 0x11), (0x21, 0x20), (0xa1, 0x28), (0x21, 0x04), (0xa1, 0x02), (0x21, 0x01), (0xa1, 0x01),
            (0x21, 0xfe), (0xa1, 0xff), (0x43, 0x34), (0x40, 0x9c), (0x40, 0x2e),
        })
            Out(machine, port, value);
    }

    [Fact]
    public void Pit_tick_reaches_the_cpu_through_the_pic_as_vector_0x20()
    {
        Out(0x20, 0x11); Out(0xa0, 0x11);
        Out(0x21, 0x20); Out(0xa1, 0x28);
        Out(0x21, 0x04); Out(0xa1, 0x02);
        Out(0x21, 0x01); Out(0xa1, 0x01);
        Out(0x21, 0xfe); Out(0xa1, 0xff);
        Out(0x43, 0x34); Out(0x40, 0x9c); Out(0x40, 0x2e); // mode 2, 11932: 100 Hz
        var pic = _machine.InterruptController!;
        Assert.False(pic.HasPendingInterrupt);

        _clock.Advance(TimeSpan.FromMilliseconds(9.9));
        Assert.False(pic.HasPendingInterrupt);
        _clock.Advance(TimeSpan.FromMilliseconds(0.2));

        Assert.True(pic.HasPendingInterrupt);
        Assert.Equal(0x20, pic.Acknowledge());
    }

    [Fact]
    public void Slave_ports_and_elcr_windows_reach_the_same_pair()
    {
        Out(0xa0, 0x11); Out(0xa1, 0x70); Out(0xa1, 0x02); Out(0xa1, 0x01);
        Out(0xa1, 0x5a);
        Out(0x4d1, 0x08);

        Assert.Equal(0x5a, In(0xa1));
        Assert.Equal(0x08, In(0x4d1));
    }

    [Fact]
    public void Rtc_interrupt_on_irq8_reaches_the_cpu_through_the_slave()
    {
        Out(0x20, 0x11); Out(0xa0, 0x11);
        Out(0x21, 0x08); Out(0xa1, 0x70);
        Out(0x21, 0x04); Out(0xa1, 0x02);
        Out(0x21, 0x01); Out(0xa1, 0x01);
        Out(0x21, 0xfb); Out(0xa1, 0xfe);
        Out(0x70, 0x0b); Out(0x71, 0x12); // update-ended interrupt, 24 h

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0x70, _machine.InterruptController!.Acknowledge());
    }

    [Fact]
    public void Keyboard_controller_self_test_through_both_ports()
    {
        Out(0x64, 0xaa);

        Assert.Equal(0x01, In(0x64) & 0x01);
        Assert.Equal(0x55, In(0x60));
    }

    [Fact]
    public void Pci_host_bridge_answers_at_0xcf8()
    {
        _machine.Ports.Write(0xcf8, 4, 0x8000_0000);

        Assert.Equal(0x1237_8086u, _machine.Ports.Read(0xcfc, 4));
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniVmm.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("MiniVmm.sln not found");
    }
}
