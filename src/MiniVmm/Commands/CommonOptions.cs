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
