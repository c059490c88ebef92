using System.CommandLine;
using Hypervisor.Core.Plugins;

namespace MiniVmm.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<FileInfo> Machine(bool required) => new("--machine", "-m")
    {
        Description = "The machine file (JSON) to use",
        Required = required,
    };

    public static Option<DirectoryInfo[]> Plugins() => new("--plugins")
    {
        Description = "An extra folder of device plugins (repeatable); plugins/ beside minivmm is always searched",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string[]> Set() => new("--set")
    {
        Description = "Override a machine-file key, e.g. --set limits:instructions=1000 (repeatable)",
    };

    /// <summary>Appends each <c>KEY=VALUE</c> of <paramref name="items"/> to <paramref name="overrides"/>; returns the first item that is not one, or null.</summary>
    public static string? AddSetOverrides(string[]? items, List<KeyValuePair<string, string?>> overrides)
    {
        foreach (var item in items ?? [])
        {
            int eq = item.IndexOf('=');
            if (eq <= 0)
                return item;
            overrides.Add(new(item[..eq], item[(eq + 1)..]));
        }
        return null;
    }

    /// <summary>plugins/ beside the executable, then the machine file's folders, then the command line's.</summary>
    public static List<string> PluginDirectories(IEnumerable<string> fromMachine, DirectoryInfo[]? fromCommandLine)
    {
        var folders = new List<string>();
        if (Directory.Exists(PluginCatalog.DefaultDirectory))
            folders.Add(PluginCatalog.DefaultDirectory);
        folders.AddRange(fromMachine);
        folders.AddRange((fromCommandLine ?? []).Select(d => d.FullName));
        return folders;
    }
}
