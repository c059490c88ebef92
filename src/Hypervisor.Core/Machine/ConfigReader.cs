using Hypervisor.Abstractions;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Machine;

/// <summary>
/// Typed, validating reads of configuration values. Problems are collected (not thrown) with the
/// JSON path of the value, so one run of a bad machine file reports every problem at once.
/// </summary>
internal sealed class ConfigReader
{
    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>"devices:1:ports" → "devices[1].ports".</summary>
    public static string JsonPath(string configurationPath)
    {
        var parts = configurationPath.Split(':');
        var path = new System.Text.StringBuilder();
        foreach (var part in parts)
        {
            if (int.TryParse(part, out _))
                path.Append('[').Append(part).Append(']');
            else
                path.Append(path.Length == 0 ? "" : ".").Append(part);
        }
        return path.ToString();
    }

    public void Problem(IConfigurationSection at, string message) => _problems.Add($"{JsonPath(at.Path)}: {message}");

    public void Problem(string jsonPath, string message) => _problems.Add($"{jsonPath}: {message}");

    /// <summary>Reports keys of <paramref name="section"/> that are not in <paramref name="allowed"/>.</summary>
    public void RejectUnknownKeys(IConfigurationSection section, params string[] allowed)
    {
        foreach (var child in section.GetChildren())
        {
            if (!allowed.Contains(child.Key, StringComparer.Ordinal))
                Problem(child, $"unknown key '{child.Key}' (expected one of: {string.Join(", ", allowed)})");
        }
    }

    public static bool IsPresent(IConfigurationSection section) => section.Value != null || section.GetChildren().Any();

    public string? String(IConfigurationSection section, bool required = false)
    {
        if (section.Value is { } text)
            return text;
        if (section.GetChildren().Any())
            Problem(section, "expected a string, found an object or array");
        else if (required)
            Problem(section, "is required");
        return null;
    }

    /// <summary>A number: decimal, "0x" hex, or with a size unit ("16MiB").</summary>
    public ulong? Number(IConfigurationSection section, bool required = false, ulong max = ulong.MaxValue)
    {
        string? text = String(section, required);
        if (text == null)
            return null;
        if (!NumberSyntax.TryParse(text, out ulong value))
        {
            Problem(section, NumberProblem.Describe(text));
            return null;
        }
        if (value > max)
        {
            Problem(section, $"{text} is out of range (at most 0x{max:x})");
            return null;
        }
        return value;
    }

    /// <summary>A boolean: JSON true or false (the configuration layer sees "True"/"False"; --set may write either case).</summary>
    public bool? Bool(IConfigurationSection section)
    {
        string? text = String(section);
        if (text == null)
            return null;
        if (bool.TryParse(text, out bool value))
            return value;
        Problem(section, $"'{text}' is not true or false");
        return null;
    }

    public TEnum? Enum<TEnum>(IConfigurationSection section) where TEnum : struct, Enum
    {
        string? text = String(section);
        if (text == null)
            return null;
        if (System.Enum.TryParse(text, ignoreCase: true, out TEnum value) && System.Enum.IsDefined(value))
            return value;
        Problem(section, $"'{text}' is not one of: {string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}");
        return null;
    }

    /// <summary>The elements of a JSON array, in order.</summary>
    public static IEnumerable<IConfigurationSection> Elements(IConfigurationSection array) =>
        array.GetChildren()
            .Select(c => (Index: int.TryParse(c.Key, out int i) ? i : int.MaxValue, Section: c))
            .OrderBy(c => c.Index)
            .Select(c => c.Section);

    /// <summary>A path relative to the machine file's folder, which must name an existing regular file.</summary>
    public string? ExistingFile(IConfigurationSection section, string baseDirectory, bool required = true)
    {
        string? text = String(section, required);
        if (text == null)
            return null;
        string path = Path.GetFullPath(text, baseDirectory);
        string? problem = HostFile.KindOf(path) switch
        {
            HostFileKind.Regular => null,
            HostFileKind.Missing => $"file '{text}' does not exist (looked for {path})",
            HostFileKind.Directory => $"'{text}' is a folder, not a file ({path})",
            var kind => $"'{text}' is a {HostFile.Describe(kind)}, not a regular file ({path}): images and kernels are read whole from files",
        };
        if (problem != null)
        {
            Problem(section, problem);
            return null;
        }
        return path;
    }
}
