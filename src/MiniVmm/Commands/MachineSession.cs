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
    public static int Use(FileInfo machineFile, DirectoryInfo[]? plugins, IReadOnlyList<KeyValuePair<string, string?>> overrides,
        ILogger logger, Func<MachineConfig, PluginCatalog, int> body)
    {
        try
        {
            var config = MachineFileReader.Load(machineFile.FullName, overrides);
            StartupTrace.Mark("machine file read");
            // Only the plugins this machine uses are loaded; the index says which plugin provides what.
            using var catalog = PluginCatalog.Open(CommonOptions.PluginDirectories(config.PluginDirectories, plugins), PluginIndex.Default());
            StartupTrace.Mark("plugins opened");
            return body(config, catalog);
        }
        catch (MachineFileException e)
        {
            Console.Error.WriteLine($"minivmm: {Relative(e.FilePath)} is not a valid machine file:");
            foreach (var problem in e.Problems)
                Console.Error.WriteLine($"  {problem}{Origin(problem, overrides)}");
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

    /// <summary>" (given on the command line: KEY=VALUE)" when an override set the value a problem is about.</summary>
    private static string Origin(string problem, IReadOnlyList<KeyValuePair<string, string?>> overrides)
    {
        // Later overrides win, as in the configuration they were added to.
        for (int i = overrides.Count - 1; i >= 0; i--)
        {
            var (key, value) = overrides[i];
            string path = JsonPath(key);
            if (problem.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase) || problem.StartsWith(path + ".", StringComparison.OrdinalIgnoreCase) ||
                problem.StartsWith(path + "[", StringComparison.OrdinalIgnoreCase))
                return $" (given on the command line: {key}={value})";
        }
        return "";
    }

    /// <summary>"devices:1:options:backend" → "devices[1].options.backend", as problems name values.</summary>
    private static string JsonPath(string key)
    {
        var path = new System.Text.StringBuilder();
        foreach (string part in key.Split(':'))
        {
            if (int.TryParse(part, out _))
                path.Append('[').Append(part).Append(']');
            else
                path.Append(path.Length == 0 ? "" : ".").Append(part);
        }
        return path.ToString();
    }

    private static string Relative(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}
