using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Machine;

/// <summary>Reads the machine file's <c>"devices"</c> array (types and options are checked against the plugins later).</summary>
internal static class DeviceSectionReader
{
    public static List<DeviceConfig> Read(ConfigReader reader, IConfigurationSection section)
    {
        var devices = new List<DeviceConfig>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in ConfigReader.Elements(section))
        {
            string jsonPath = ConfigReader.JsonPath(element.Path);
            reader.RejectUnknownKeys(element, "type", "name", "ports", "mmio", "irq", "windows", "options");
            string? type = reader.String(element.GetSection("type"), required: true);
            if (type == null)
                continue;
            string name = reader.String(element.GetSection("name")) ?? (names.Contains(type) ? $"{type}{devices.Count}" : type);
            if (!names.Add(name))
                reader.Problem(element.GetSection("name"), $"another device is already named '{name}'");

            var options = element.GetSection("options");
            if (options.Value != null)
                reader.Problem(options, "expected an object of device options");

            devices.Add(new DeviceConfig
            {
                JsonPath = jsonPath,
                Type = type,
                Name = name,
                Ports = (ushort?)reader.Number(element.GetSection("ports"), max: 0xffff),
                Mmio = reader.Number(element.GetSection("mmio")),
                Irq = (int?)reader.Number(element.GetSection("irq"), max: 23),
                Windows = ReadWindows(reader, element.GetSection("windows")),
                Options = options,
            });
        }
        return devices;
    }

    /// <summary><c>"windows": { "slave": "0xa0" }</c>: which names a type declares is checked when the device is built.</summary>
    private static Dictionary<string, ulong> ReadWindows(ConfigReader reader, IConfigurationSection section)
    {
        var windows = new Dictionary<string, ulong>(StringComparer.Ordinal);
        if (section.Value != null)
            reader.Problem(section, "expected an object of window bases, e.g. { \"slave\": \"0xa0\" }");
        foreach (var window in section.GetChildren())
        {
            if (reader.Number(window) is { } address)
                windows[window.Key] = address;
        }
        return windows;
    }
}
