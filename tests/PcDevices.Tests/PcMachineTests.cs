using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;

namespace PcDevices.Tests;

/// <summary>
/// configs/pc.json (the complete PC) built by the core from the plugins in artifacts/ (as minivmm builds it), on a
/// manual clock: the companion entries find their chips, and a PIT tick reaches the CPU's INTR.
/// </summary>
public sealed class PcMachineTests : IDisposable
{
    private readonly ManualClock _clock = new();
    private readonly MachineDevices _machine;

    public PcMachineTests()
    {
        string root = RepoRoot();
        var config = MachineFileReader.Load(Path.Combine(root, "configs", "pc.json"));
        var catalog = PluginCatalog.Load([Path.Combine(root, "artifacts", "plugins")]);
        var environment = new MachineDevices.Environment(new ArrayGuestMemory(0, 4096), _clock, new MachineControl(),
            new InterruptRouter(), Serilog.Core.Logger.None, config.Directory);
        _machine = MachineDevices.Build(config, catalog, environment);
    }

    public void Dispose() => _machine.Dispose();

    private void Out(ushort port, byte value) => _machine.Ports.Write(port, 1, value);

    private byte In(ushort port) => (byte)_machine.Ports.Read(port, 1);

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
    public void Slave_ports_and_elcr_entries_reach_the_same_pair()
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
