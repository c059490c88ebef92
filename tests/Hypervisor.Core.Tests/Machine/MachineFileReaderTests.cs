using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Tests.Machine;

public class MachineFileReaderTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string Machine(string json, int imageSize = 16)
    {
        _files.Write("guest.bin", new byte[imageSize]);
        return _files.Write("machine.json", json);
    }

    private static MachineFileException Invalid(string path) => Assert.Throws<MachineFileException>(() => MachineFileReader.Load(path));

    private const string Minimal = """
        { "memory": [ { "base": "0x1000", "size": "4KiB" } ],
          "boot": { "image": "guest.bin", "loadAddress": "0x1000" } }
        """;

    [Fact]
    public void Reads_hex_strings_sizes_and_resolves_paths_against_the_file()
    {
        var config = MachineFileReader.Load(Machine("""
            { "name": "t", "accelerator": "soft",
              "memory": [ { "base": "0x0", "size": "640KiB" }, { "base": 1048576, "size": "1MiB" } ],
              "boot": { "format": "flat", "image": "guest.bin", "loadAddress": "0x7c00", "entry": { "cs": "0x0", "rip": "0x7c00", "rax": 2 } },
              "devices": [ { "type": "uart16550", "ports": "0x3f8", "irq": 4, "options": { "backend": "stdio" } } ],
              "limits": { "instructions": "1000", "time": "250ms" } }
            """));

        Assert.Equal("t", config.Name);
        Assert.Equal(AcceleratorKind.Soft, config.Accelerator);
        Assert.Equal([new MemoryRangeConfig(0, 640 * 1024), new MemoryRangeConfig(0x100000, 0x100000)], config.Memory);
        Assert.Equal(Path.Combine(_files.Directory, "guest.bin"), config.Boot.Image);
        Assert.Equal(0x7c00UL, config.Boot.LoadAddress);
        Assert.Equal(2UL, config.Boot.Entry["rax"]);
        var uart = Assert.Single(config.Devices);
        Assert.Equal(("uart16550", "uart16550", (ushort?)0x3f8, (int?)4), (uart.Type, uart.Name, uart.Ports, uart.Irq));
        Assert.Equal("stdio", uart.Options["backend"]);
        Assert.Equal(1000UL, config.Limits.Instructions);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.Limits.Time);
    }

    [Fact]
    public void Command_line_overrides_win_over_the_file()
    {
        var config = MachineFileReader.Load(Machine(Minimal), [new("limits:instructions", "0x10"), new("accelerator", "kvm")]);
        Assert.Equal(16UL, config.Limits.Instructions);
        Assert.Equal(AcceleratorKind.Kvm, config.Accelerator);
    }

    [Fact]
    public void A_missing_file_is_reported()
    {
        var error = Invalid(Path.Combine(_files.Directory, "nope.json"));
        Assert.Contains("does not exist", Assert.Single(error.Problems));
    }

    [Fact]
    public void Malformed_json_is_reported_without_a_stack_trace()
    {
        var error = Invalid(_files.Write("bad.json", "{ \"memory\": [ { \"base\": 0, } "));
        string problem = Assert.Single(error.Problems);
        Assert.StartsWith("not valid JSON", problem);
        Assert.Contains("LineNumber: 0", problem); // where the parser stopped
    }

    [Fact]
    public void Every_problem_is_reported_with_its_json_path()
    {
        var error = Invalid(Machine("""
            { "memroy": 1, "accelerator": "warp",
              "memory": [ { "base": "0x1001", "size": "4KiB" }, { "base": "0x2000", "size": "lots" } ],
              "boot": { "image": "missing.bin", "loadAddress": "0x1000", "entry": { "cs": "0x10000", "xip": 1 } },
              "devices": [ { "type": "uart16550", "ports": "0x10000", "irq": 99, "colour": "red" }, { "ports": 1 } ],
              "limits": { "time": "soon" } }
            """));
        string[] expected =
        [
            "memroy: unknown key 'memroy'",
            "accelerator: 'warp' is not one of",
            "memory[0].base: 0x1001 is not a multiple of 4 KiB",
            "memory[1].size: 'lots' is not a number",
            "boot.image: file 'missing.bin' does not exist",
            "boot.entry.xip: unknown key 'xip'",
            "boot.entry.cs: 0x10000 is out of range",
            "devices[0].colour: unknown key 'colour'",
            "devices[0].ports: 0x10000 is out of range",
            "devices[0].irq: 99 is out of range",
            "devices[1].type: is required",
            "limits.time: 'soon' is not a duration",
        ];
        foreach (var message in expected)
            Assert.Contains(error.Problems, p => p.StartsWith(message, StringComparison.Ordinal));
        Assert.Equal(expected.Length, error.Problems.Count);
    }

    [Fact]
    public void Overlapping_memory_ranges_are_rejected()
    {
        var error = Invalid(Machine("""
            { "memory": [ { "base": "0x0", "size": "8KiB" }, { "base": "0x1000", "size": "4KiB" } ],
              "boot": { "image": "guest.bin", "loadAddress": "0x0" } }
            """));
        Assert.Contains("memory[1]: range [0x1000, 0x2000) overlaps range [0x0, 0x2000)", error.Problems);
    }

    [Fact]
    public void An_image_larger_than_its_slot_is_rejected()
    {
        var error = Invalid(Machine(Minimal, imageSize: 4097));
        Assert.Contains(error.Problems, p => p.StartsWith("boot.image: the image (4097 bytes) loaded at 0x1000 does not fit in RAM", StringComparison.Ordinal));
    }

    [Fact]
    public void An_image_loaded_outside_ram_is_rejected()
    {
        var error = Invalid(Machine(Minimal.Replace("\"loadAddress\": \"0x1000\"", "\"loadAddress\": \"0x9000\"")));
        Assert.Contains(error.Problems, p => p.Contains("[0x9000, 0x9010) is not inside the memory ranges"));
    }

    [Fact]
    public void Adjacent_slots_together_hold_an_image()
    {
        var config = MachineFileReader.Load(Machine("""
            { "memory": [ { "base": "0x1000", "size": "4KiB" }, { "base": "0x2000", "size": "4KiB" } ],
              "boot": { "image": "guest.bin", "loadAddress": "0x1000" } }
            """, imageSize: 6000));
        Assert.Equal(2, config.Memory.Count);
    }

    [Fact]
    public void Duplicate_device_names_are_rejected()
    {
        var error = Invalid(Machine("""
            { "memory": [ { "base": "0x1000", "size": "4KiB" } ],
              "boot": { "image": "guest.bin", "loadAddress": "0x1000" },
              "devices": [ { "type": "debugcon", "name": "x", "ports": 1 }, { "type": "debugcon", "name": "x", "ports": 2 } ] }
            """));
        Assert.Contains("devices[1].name: another device is already named 'x'", error.Problems);
    }

    [Fact]
    public void A_missing_boot_section_is_reported()
    {
        var error = Invalid(_files.Write("m.json", """{ "memory": [ { "base": 0, "size": "4KiB" } ] }"""));
        Assert.Contains(error.Problems, p => p.StartsWith("boot: is required", StringComparison.Ordinal));
    }
}
