using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Machine;

/// <summary>Reads and checks the machine file's <c>"boot"</c> object.</summary>
internal static class BootSectionReader
{
    /// <summary>Registers a flat image's <c>"entry"</c> may set.</summary>
    public static readonly string[] EntryRegisters =
        ["cs", "ds", "es", "fs", "gs", "ss", "rip", "rsp", "rflags", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp"];

    public static BootConfig Read(ConfigReader reader, IConfigurationSection section, string directory, IReadOnlyList<MemoryRangeConfig> memory)
    {
        if (!ConfigReader.IsPresent(section))
        {
            reader.Problem(section, "is required (e.g. { \"format\": \"flat\", \"image\": \"guest.bin\", \"loadAddress\": \"0x1000\" })");
            return new BootConfig { Format = "flat" };
        }
        string format = reader.String(section.GetSection("format")) ?? "flat";
        switch (format)
        {
            case "flat":
                return ReadFlat(reader, section, directory, memory);
            case "multiboot":
                reader.RejectUnknownKeys(section, "format", "kernel", "cmdline");
                return new BootConfig
                {
                    Format = format,
                    Kernel = reader.ExistingFile(section.GetSection("kernel"), directory),
                    CommandLine = reader.String(section.GetSection("cmdline")) ?? "",
                };
            case "linux":
                reader.RejectUnknownKeys(section, "format", "kernel", "initrd", "cmdline");
                return new BootConfig
                {
                    Format = format,
                    Kernel = reader.ExistingFile(section.GetSection("kernel"), directory),
                    Initrd = reader.ExistingFile(section.GetSection("initrd"), directory, required: false),
                    CommandLine = reader.String(section.GetSection("cmdline")) ?? "",
                };
            case "bios":
                return ReadBios(reader, section, directory, memory);
            default:
                reader.Problem(section.GetSection("format"), $"'{format}' is not a boot format (expected flat, multiboot, linux or bios)");
                return new BootConfig { Format = format };
        }
    }

    private static BootConfig ReadFlat(ConfigReader reader, IConfigurationSection section, string directory, IReadOnlyList<MemoryRangeConfig> memory)
    {
        reader.RejectUnknownKeys(section, "format", "image", "loadAddress", "entry");
        string? image = reader.ExistingFile(section.GetSection("image"), directory);
        ulong? loadAddress = reader.Number(section.GetSection("loadAddress"), required: true);

        var entrySection = section.GetSection("entry");
        reader.RejectUnknownKeys(entrySection, EntryRegisters);
        var entry = new Dictionary<string, ulong>();
        foreach (var name in EntryRegisters)
        {
            ulong max = name.Length == 2 && name[1] == 's' ? 0xffff : ulong.MaxValue;
            if (reader.Number(entrySection.GetSection(name), max: max) is { } value)
                entry[name] = value;
        }

        if (image != null && loadAddress is { } load && memory.Count > 0)
        {
            ulong size = (ulong)new FileInfo(image).Length;
            if (size == 0)
                reader.Problem(section.GetSection("image"), "the image is empty");
            else if (!Covered(memory, load, size))
                reader.Problem(section.GetSection("image"),
                    $"the image ({size} bytes) loaded at 0x{load:x} does not fit in RAM: [0x{load:x}, 0x{load + size:x}) is not inside the memory ranges");
        }
        return new BootConfig { Format = "flat", Image = image, LoadAddress = loadAddress ?? 0, Entry = entry };
    }

    /// <summary>A firmware image (SeaBIOS's bios.bin): mapped as ROM below 4 GiB and started at the reset vector.</summary>
    private static BootConfig ReadBios(ConfigReader reader, IConfigurationSection section, string directory, IReadOnlyList<MemoryRangeConfig> memory)
    {
        reader.RejectUnknownKeys(section, "format", "image");
        string? image = reader.ExistingFile(section.GetSection("image"), directory);
        if (image != null)
        {
            ulong size = (ulong)new FileInfo(image).Length;
            if (Memory.FirmwareMemory.SizeProblem(size) is { } problem)
                reader.Problem(section.GetSection("image"), $"the firmware image cannot be mapped: {problem}");
            else if (memory.FirstOrDefault(r => r.Base + r.Size > (1UL << 32) - size && r.Base < 1UL << 32) is { } ram)
                reader.Problem(section.GetSection("image"),
                    $"the firmware image occupies [0x{(1UL << 32) - size:x}, 0x100000000), which overlaps the memory range at 0x{ram.Base:x}");
        }
        return new BootConfig { Format = "bios", Image = image };
    }

    /// <summary>True when [address, address + size) lies inside the (possibly adjacent) ranges.</summary>
    private static bool Covered(IReadOnlyList<MemoryRangeConfig> memory, ulong address, ulong size)
    {
        ulong end = address + size;
        if (end < address)
            return false;
        while (address < end)
        {
            var range = memory.FirstOrDefault(r => address >= r.Base && address < r.Base + r.Size);
            if (range == null)
                return false;
            address = range.Base + range.Size;
        }
        return true;
    }
}
