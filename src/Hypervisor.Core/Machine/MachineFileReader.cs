using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Machine;

/// <summary>
/// Reads a machine file through Microsoft.Extensions.Configuration (JSON, then MINIVMM__*
/// environment variables, then command-line overrides) and validates all of it before anything
/// runs. Device types and options are checked later against the plugins, still before the VM starts.
/// </summary>
public static class MachineFileReader
{
    private static readonly string[] TopLevelKeys =
        ["$schema", "name", "description", "accelerator", "vcpus", "memory", "boot", "devices", "limits", "clock", "irqchip", "apic", "onReset", "log", "plugins"];

    /// <summary>
    /// Environment variables that override machine-file keys: <c>MINIVMM__limits__time=5s</c>. The
    /// double underscore keeps unrelated <c>MINIVMM_*</c> variables from being read as keys.
    /// </summary>
    public const string EnvironmentPrefix = "MINIVMM__";

    /// <summary>Loads and validates <paramref name="path"/>; throws <see cref="MachineFileException"/> listing every problem.</summary>
    /// <param name="path">The machine file.</param>
    /// <param name="overrides">Configuration keys to override, e.g. ("limits:instructions", "1000").</param>
    public static MachineConfig Load(string path, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new MachineFileException(fullPath, ["the machine file does not exist"]);

        IConfigurationRoot root;
        try
        {
            // A stream, not AddJsonFile: its file provider (globbing, a file watcher) cost a cold start ~10 ms for one read.
            using var json = File.OpenRead(fullPath);
            root = new ConfigurationBuilder()
                .AddJsonStream(json)
                .AddEnvironmentVariables(EnvironmentPrefix)
                .AddInMemoryCollection(overrides ?? [])
                .Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or System.Text.Json.JsonException or IOException)
        {
            var innermost = e;
            while (innermost.InnerException != null)
                innermost = innermost.InnerException;
            string detail = innermost.Message;
            throw new MachineFileException(fullPath, [$"not valid JSON: {detail}"]);
        }

        var reader = new ConfigReader();
        string directory = Path.GetDirectoryName(fullPath)!;
        reader.RejectUnknownKeys(AsSection(root), TopLevelKeys);

        var memory = ReadMemory(reader, root.GetSection("memory"));
        var config = new MachineConfig
        {
            FilePath = fullPath,
            Name = reader.String(root.GetSection("name")) ?? Path.GetFileNameWithoutExtension(fullPath),
            Accelerator = reader.Enum<AcceleratorKind>(root.GetSection("accelerator")) ?? AcceleratorKind.Auto,
            Vcpus = (int)(reader.Number(root.GetSection("vcpus"), max: 64) ?? 1),
            Memory = memory,
            Boot = BootSectionReader.Read(reader, root.GetSection("boot"), directory, memory),
            Devices = DeviceSectionReader.Read(reader, root.GetSection("devices")),
            Limits = ReadLimits(reader, root.GetSection("limits")),
            Clock = reader.Enum<ClockMode>(root.GetSection("clock")) ?? ClockMode.Host,
            Irqchip = reader.Enum<IrqchipMode>(root.GetSection("irqchip")) ?? IrqchipMode.Devices,
            Apic = reader.Bool(root.GetSection("apic")) ?? false,
            OnReset = reader.Enum<Runtime.ResetPolicy>(root.GetSection("onReset")) ?? Runtime.ResetPolicy.Exit,
            LogLevel = ReadLogLevel(reader, root.GetSection("log")),
            PluginDirectories = ReadPluginDirectories(reader, root.GetSection("plugins"), directory),
        };
        if (config.Vcpus == 0)
            reader.Problem(root.GetSection("vcpus"), "must be at least 1");

        if (reader.Problems.Count > 0)
            throw new MachineFileException(fullPath, reader.Problems);
        return config;
    }

    // The root is not a section; a section with an empty path lists the same children.
    private static IConfigurationSection AsSection(IConfigurationRoot root) => new RootSection(root);

    private static List<MemoryRangeConfig> ReadMemory(ConfigReader reader, IConfigurationSection section)
    {
        var ranges = new List<MemoryRangeConfig>();
        if (!ConfigReader.IsPresent(section))
        {
            reader.Problem(section, "is required: a list of { \"base\": ..., \"size\": ... } RAM ranges");
            return ranges;
        }
        foreach (var element in ConfigReader.Elements(section))
        {
            reader.RejectUnknownKeys(element, "base", "size");
            ulong? baseAddress = reader.Number(element.GetSection("base"), required: true);
            ulong? size = reader.Number(element.GetSection("size"), required: true);
            if (baseAddress is not { } b || size is not { } s)
                continue;
            if (b % 4096 != 0)
                reader.Problem(element.GetSection("base"), $"0x{b:x} is not a multiple of 4 KiB");
            else if (s == 0 || s % 4096 != 0)
                reader.Problem(element.GetSection("size"), $"0x{s:x} is not a non-zero multiple of 4 KiB");
            else if (b + s < b || b + s > 1UL << 52)
                reader.Problem(element, $"range [0x{b:x}, +0x{s:x}) is beyond the physical address space");
            else
            {
                foreach (var other in ranges.Where(o => b < o.Base + o.Size && o.Base < b + s))
                    reader.Problem(element, $"range [0x{b:x}, 0x{b + s:x}) overlaps range [0x{other.Base:x}, 0x{other.Base + other.Size:x})");
                ranges.Add(new MemoryRangeConfig(b, s));
            }
        }
        if (ranges.Count == 0 && reader.Problems.Count == 0)
            reader.Problem(section, "must list at least one RAM range");
        return ranges;
    }

    private static RunLimits ReadLimits(ConfigReader reader, IConfigurationSection section)
    {
        reader.RejectUnknownKeys(section, "instructions", "time");
        TimeSpan? time = null;
        if (reader.String(section.GetSection("time")) is { } text)
        {
            if (DurationSyntax.TryParse(text, out var span))
                time = span;
            else
                reader.Problem(section.GetSection("time"), $"'{text}' is not a duration (e.g. 500ms, 10s, 2m)");
        }
        return new RunLimits { Instructions = reader.Number(section.GetSection("instructions")), Time = time };
    }

    private static string? ReadLogLevel(ConfigReader reader, IConfigurationSection section)
    {
        reader.RejectUnknownKeys(section, "level");
        string? level = reader.String(section.GetSection("level"));
        string[] levels = ["verbose", "debug", "information", "warning", "error", "fatal"];
        if (level != null && !levels.Contains(level, StringComparer.OrdinalIgnoreCase))
        {
            reader.Problem(section.GetSection("level"), $"'{level}' is not one of: {string.Join(", ", levels)}");
            return null;
        }
        return level;
    }

    private static List<string> ReadPluginDirectories(ConfigReader reader, IConfigurationSection section, string baseDirectory)
    {
        var folders = new List<string>();
        foreach (var element in ConfigReader.Elements(section))
        {
            if (reader.String(element, required: true) is not { } text)
                continue;
            string path = Path.GetFullPath(text, baseDirectory);
            if (Directory.Exists(path))
                folders.Add(path);
            else
                reader.Problem(element, $"plugin folder '{text}' does not exist (looked for {path})");
        }
        return folders;
    }

    private sealed class RootSection(IConfigurationRoot root) : IConfigurationSection
    {
        public string? this[string key] { get => root[key]; set => root[key] = value; }
        public string Key => "";
        public string Path => "";
        public string? Value { get => null; set { } }
        public IEnumerable<IConfigurationSection> GetChildren() => root.GetChildren();
        public Microsoft.Extensions.Primitives.IChangeToken GetReloadToken() => root.GetReloadToken();
        public IConfigurationSection GetSection(string key) => root.GetSection(key);
    }
}
