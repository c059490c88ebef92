using Hypervisor.Abstractions.Pci;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;

namespace Plugins.Tests.PcMachine;

/// <summary>
/// configs/pc-edu.json built by the core from the plugins in artifacts/: the guest's configuration
/// writes through 0xcf8/0xcfc map the edu device's BAR on the machine's MMIO bus, and its INTx
/// reaches the PIC on the entry's irq 11.
/// </summary>
public sealed class PcEduMachineTests : IDisposable
{
    private const ulong Bar = 0xfe00_0000;
    private readonly MachineDevices _machine;

    public PcEduMachineTests()
    {
        string root = RepoRoot();
        var config = MachineFileReader.Load(Path.Combine(root, "configs", "pc-edu.json"));
        var catalog = PluginCatalog.Load([Path.Combine(root, "artifacts", "plugins")]);
        var environment = new MachineDevices.Environment(new ArrayGuestMemory(0, 4096), new ManualClock(), new MachineControl(),
            new InterruptRouter(), Serilog.Core.Logger.None, config.Directory);
        _machine = MachineDevices.Build(config, catalog, environment);
    }

    public void Dispose() => _machine.Dispose();

    private void ConfigWrite(int register, uint value)
    {
        _machine.Ports.Write(0xcf8, 4, 0x8000_0000 | (4 << 11) | (uint)register);
        _machine.Ports.Write(0xcfc, 4, value);
    }

    private void MapBar()
    {
        ConfigWrite(PciConfigRegister.Bar0, (uint)Bar);
        ConfigWrite(PciConfigRegister.Command, PciCommand.MemorySpace);
    }

    [Fact]
    public void Programming_bar0_through_0xcf8_maps_edu_on_the_mmio_bus()
    {
        Assert.Null(_machine.Mmio.Find(Bar));
        MapBar();

        Assert.Equal("edu BAR0", _machine.Mmio.Find(Bar)!.Name);
        Assert.Equal(0x0100_00edUL, _machine.Mmio.Read(Bar, 4));
    }

    [Fact]
    public void Turning_decode_off_unmaps_it_from_the_mmio_bus()
    {
        MapBar();
        Assert.Equal(0x0100_00edUL, _machine.Mmio.Read(Bar, 4)); // now in the last-hit cache
        ConfigWrite(PciConfigRegister.Command, 0);

        Assert.Null(_machine.Mmio.Find(Bar));
        Assert.Equal(0xffff_ffffUL, _machine.Mmio.Read(Bar, 4));
    }

    [Fact]
    public void Edu_interrupt_reaches_the_cpu_through_the_slave_pic_on_irq_11()
    {
        void Out(ushort port, byte value) => _machine.Ports.Write(port, 1, value);
        Out(0x20, 0x11); Out(0xa0, 0x11);
        Out(0x21, 0x08); Out(0xa1, 0x70);
        Out(0x21, 0x04); Out(0xa1, 0x02);
        Out(0x21, 0x01); Out(0xa1, 0x01);
        Out(0x21, 0xfb); Out(0xa1, 0xf7); // IRQ 11 = slave IR3
        _machine.Ports.Write(0x4d1, 1, 0x08); // level-triggered, as PCI INTx is
        MapBar();

        _machine.Mmio.Write(Bar + 0x60, 4, 1);

        Assert.Equal(0x73, _machine.InterruptController!.Acknowledge());
    }

    [Fact]
    public void Machine_reset_unmaps_the_bar()
    {
        MapBar();
        foreach (var device in _machine.Devices)
            device.Device.Reset();
        Assert.Null(_machine.Mmio.Find(Bar));
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
