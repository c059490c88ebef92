using System.CommandLine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;

namespace MiniVmm.Commands;

/// <summary><c>minivmm devices</c>: every device type the plugin folders provide, with its plugin and options.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var plugins = CommonOptions.Plugins();
        var command = new Command("devices", "List the device types found in the plugin folders, with their plugin and options");
        command.Options.Add(plugins);
        command.SetAction(parse => Run(parse.GetValue(plugins)));
        return command;
    }

    private static int Run(DirectoryInfo[]? plugins)
    {
        PluginCatalog? catalog = null;
        IReadOnlyCollection<DeviceType> types;
        try
        {
            // Open, then every type: the listing loads every plugin and refreshes the plugin index too.
            catalog = PluginCatalog.Open(CommonOptions.PluginDirectories([], plugins), PluginIndex.Default());
            types = catalog.DeviceTypes;
        }
        catch (PluginLoadException e)
        {
            catalog?.Dispose();
            Console.Error.WriteLine($"minivmm: {e.Message}");
            return ExitCodes.LoadFailure;
        }
        using (catalog)
        {
            if (types.Count == 0)
            {
                Console.Error.WriteLine($"minivmm: no device plugins found in {string.Join(", ", catalog.Directories.DefaultIfEmpty(PluginCatalog.DefaultDirectory))}");
                return ExitCodes.LoadFailure;
            }
            foreach (var type in types.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                string bus = type.IsPortDevice ? "port" : type.IsMmioDevice ? "mmio" : "none";
                Console.WriteLine($"{type.Name,-18} {bus,-5} plugin {type.PluginName,-14} {type.Description}");
                if (type.Placement.Length > 0)
                    Console.WriteLine($"    default: {type.Placement}");
                foreach (var window in type.Windows)
                    Console.WriteLine($"    window {window.Name,-7} {window.Description}");
                foreach (var option in type.Options)
                {
                    string fallback = option.Default != null ? $" (default: {option.Default})" : "";
                    Console.WriteLine($"    {option.Name,-14} {option.Description}{fallback}");
                }
            }
            return ExitCodes.Success;
        }
    }
}
