using Hypervisor.Abstractions;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Serilog;

namespace MiniVmm.Commands;

/// <summary>
/// Loads a machine file and the plugins it needs, and turns every expected failure into one clear
/// message on stderr and its documented exit code (never a stack trace).
/// </summary>
internal static class MachineSession
{
    public static int Use(FileInfo machineFile, DirectoryInfo[]? plugins, IEnumerable<KeyValuePair<string, string?>> overrides,
        ILogger logger, Func<MachineConfig, PluginCatalog, int> body)
    {
        try
        {
            var config = MachineFileReader.Load(machineFile.FullName, overrides);
            using var catalog = PluginCatalog.Load(CommonOptions.PluginDirectories(config.PluginDirectories, plugins));
            return body(config, catalog);
        }
        catch (MachineFileException e)
        {
            Console.Error.WriteLine($"minivmm: {Relative(e.FilePath)} is not a valid machine file:");
            foreach (var problem in e.Problems)
                Console.Error.WriteLine($"  {problem}");
            return ExitCodes.BadConfiguration;
        }
        catch (Exception e) when (e is PluginLoadException or DeviceLoadException or BootImageException or AcceleratorSelector.UnavailableException)
        {
            Console.Error.WriteLine($"minivmm: {e.Message}");
            return ExitCodes.LoadFailure;
        }
        catch (DeviceConfigurationException e)
        {
            Console.Error.WriteLine($"minivmm: option '{e.Option}': {e.Message}");
            return ExitCodes.BadConfiguration;
        }
    }

    private static string Relative(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
