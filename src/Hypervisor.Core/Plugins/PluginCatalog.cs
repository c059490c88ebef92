using System.Reflection;
using Hypervisor.Abstractions;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Plugins;

/// <summary>
/// The device types of every plugin in a set of folders. A plugin is a folder
/// <c>&lt;Name&gt;/&lt;Name&gt;.dll</c> (what a plugin project's build lays out); a folder given
/// may hold such plugin folders, be one itself, or be a build output (<c>&lt;Name&gt;.dll</c> beside
/// <c>&lt;Name&gt;.deps.json</c>); one with none of these is an error. Each loads in its own
/// load context, sharing the SDK, Serilog and configuration types with the host so that a
/// device's <see cref="IPortDevice"/> is the host's <see cref="IPortDevice"/>.
/// </summary>
public sealed class PluginCatalog : IDisposable
{
    private static readonly Type[] SharedTypes = [typeof(IDevice), typeof(Serilog.ILogger), typeof(IConfiguration)];

    private readonly List<PluginLoader> _loaders = [];
    private readonly Dictionary<string, DeviceType> _types = new(StringComparer.Ordinal);

    private PluginCatalog() { }

    /// <summary>The default plugin folder: <c>plugins/</c> beside the minivmm executable.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    public IReadOnlyCollection<DeviceType> DeviceTypes => _types.Values;

    /// <summary>The folders that were searched, in order.</summary>
    public IReadOnlyList<string> Directories { get; private init; } = [];

    /// <summary>Loads every plugin under <paramref name="directories"/>; throws <see cref="PluginLoadException"/> on the first bad one.</summary>
    public static PluginCatalog Load(IEnumerable<string> directories)
    {
        var folders = directories.Select(Path.GetFullPath).Distinct().ToList();
        var catalog = new PluginCatalog { Directories = folders };
        try
        {
            foreach (var folder in folders)
            {
                if (!Directory.Exists(folder))
                    throw new PluginLoadException($"plugin folder '{folder}' does not exist");
                var assemblies = PluginAssemblies(folder);
                if (assemblies.Count == 0)
                    throw new PluginLoadException($"no plugin found in '{folder}': expected a folder per plugin named after its assembly " +
                        $"({Path.Combine(folder, "MyDevice", "MyDevice.dll")}, as a plugin project's build lays it out), " +
                        "one such plugin folder itself, or a build output holding MyDevice.dll with MyDevice.deps.json");
                foreach (string dll in assemblies)
                    catalog.LoadPlugin(dll);
            }
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
        return catalog;
    }

    public DeviceType? Find(string typeName) => _types.GetValueOrDefault(typeName);

    /// <summary>The plugin assemblies a folder holds, in the first layout that matches.</summary>
    private static List<string> PluginAssemblies(string folder)
    {
        folder = Path.TrimEndingDirectorySeparator(folder);
        // The plugin's own folder: <Name>/<Name>.dll.
        string own = Path.Combine(folder, Path.GetFileName(folder) + ".dll");
        if (File.Exists(own))
            return [own];
        // A folder of plugins (plugins/ beside minivmm, artifacts/plugins).
        var nested = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .Select(dir => Path.Combine(dir, Path.GetFileName(dir) + ".dll"))
            .Where(File.Exists)
            .ToList();
        if (nested.Count > 0)
            return nested;
        // A build output (bin/Release/net10.0): the assembly that has a .deps.json beside it.
        const string DepsSuffix = ".deps.json";
        return Directory.GetFiles(folder, "*" + DepsSuffix).Order(StringComparer.Ordinal)
            .Select(deps => deps[..^DepsSuffix.Length] + ".dll")
            .Where(File.Exists)
            .ToList();
    }

    private void LoadPlugin(string dll)
    {
        Type[] exported;
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, config => config.PreferSharedTypes = true);
            _loaders.Add(loader);
            exported = loader.LoadDefaultAssembly().GetExportedTypes();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException)
        {
            throw new PluginLoadException($"plugin '{dll}' failed to load: {e.Message}");
        }

        foreach (var type in exported)
        {
            if (type.GetCustomAttribute<DeviceAttribute>() is not { } attribute || type.IsAbstract)
                continue;
            var deviceType = new DeviceType(type, attribute, dll);
            // A device on neither bus (a PCI function, whose BARs it maps itself) is an IDevice.
            if (!typeof(IDevice).IsAssignableFrom(type))
                throw new PluginLoadException($"plugin '{dll}': device type '{attribute.Type}' ({type.FullName}) implements none of IDevice, IPortDevice or IMmioDevice");
            if (deviceType.Constructor == null)
                throw new PluginLoadException($"plugin '{dll}': device type '{attribute.Type}' ({type.FullName}) has no public constructor taking a DeviceContext");
            if (_types.TryGetValue(attribute.Type, out var existing))
                throw new PluginLoadException($"device type '{attribute.Type}' is provided twice: by '{existing.PluginPath}' and by '{dll}'");
            _types.Add(attribute.Type, deviceType);
        }
    }

    public void Dispose()
    {
        foreach (var loader in _loaders)
            loader.Dispose();
        _loaders.Clear();
    }
}
