using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Tests.Machine;

/// <summary>The "bios" boot format: a firmware image checked before anything runs.</summary>
public class BiosBootSectionTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Machine(int imageSize, string memory = """{ "base": "0x0", "size": "1MiB" }""")
    {
        _files.Write("bios.bin", new byte[imageSize]);
        return _files.Write("machine.json", $$"""
            { "memory": [ {{memory}} ], "boot": { "format": "bios", "image": "bios.bin" } }
            """);
    }

    [Fact]
    public void A_firmware_image_is_read_with_its_full_path()
    {
        var config = MachineFileReader.Load(Machine(128 * 1024));
        Assert.Equal("bios", config.Boot.Format);
        Assert.Equal(Path.Combine(_files.Directory, "bios.bin"), config.Boot.Image);
    }

    [Fact]
    public void An_image_of_a_size_a_pc_cannot_map_is_named()
    {
        var error = Assert.Throws<MachineFileException>(() => MachineFileReader.Load(Machine(100_000)));
        Assert.Contains(error.Problems, p => p.StartsWith("boot.image: the firmware image cannot be mapped: its size (100000 bytes) must be a multiple of 64 KiB", StringComparison.Ordinal));
    }

    [Fact]
    public void Ram_where_the_rom_goes_is_refused()
    {
        var error = Assert.Throws<MachineFileException>(() => MachineFileReader.Load(Machine(64 * 1024, """{ "base": "0xfff00000", "size": "1MiB" }""")));
        Assert.Contains(error.Problems, p => p.Contains("overlaps the memory range at 0xfff00000"));
    }

    [Fact]
    public void Flat_image_keys_are_not_accepted()
    {
        _files.Write("bios.bin", new byte[64 * 1024]);
        string path = _files.Write("machine.json", """
            { "memory": [ { "base": "0x0", "size": "1MiB" } ], "boot": { "format": "bios", "image": "bios.bin", "loadAddress": "0xf0000" } }
            """);
        var error = Assert.Throws<MachineFileException>(() => MachineFileReader.Load(path));
        Assert.Contains(error.Problems, p => p.Contains("boot.loadAddress"));
    }
}

/// <summary>An accelerator without <see cref="Hypervisor.Core.Accel.AcceleratorFeatures.Firmware"/> refuses a "bios" machine before building it.</summary>
public class BiosAcceleratorTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private sealed class PlainAccelerator : Hypervisor.Core.Accel.IAccelerator
    {
        public string Name => "plain";
        public Hypervisor.Core.Accel.AcceleratorFeatures Features => Hypervisor.Core.Accel.AcceleratorFeatures.None;
        public Hypervisor.Core.Accel.IVirtualMachine CreateVm(Hypervisor.Core.Memory.GuestMemory memory, Hypervisor.Core.Accel.VmOptions? options = null) =>
            throw new InvalidOperationException("must not be reached");
        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_bios_machine_on_an_accelerator_without_firmware_support_is_a_machine_file_error()
    {
        _files.Write("bios.bin", new byte[64 * 1024]);
        var config = MachineFileReader.Load(_files.Write("machine.json", """
            { "memory": [ { "base": "0x0", "size": "1MiB" } ], "boot": { "format": "bios", "image": "bios.bin" } }
            """));
        using var catalog = Hypervisor.Core.Plugins.PluginCatalog.Load([RepoPaths.BuiltPlugins]);

        var error = Assert.Throws<MachineFileException>(() =>
            Hypervisor.Core.Runtime.Vmm.Create(config, catalog, new PlainAccelerator(), Serilog.Core.Logger.None));
        Assert.Contains(error.Problems, p => p.StartsWith("boot.format: 'bios' maps a firmware ROM", StringComparison.Ordinal));
    }
}
