using System.Reflection;
using Hypervisor.Abstractions;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Plugins;

/// <summary>
/// The device types of every plugin in a set of folders. A plugin is a folder
/// <c>&lt;Name&gt;/&lt;Name&gt;.dll</c> (what a plugin project's build lays out). Each loads in its own
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
                foreach (var pluginDir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
                {
                    string dll = Path.Combine(pluginDir, Path.GetFileName(pluginDir) + ".dll");
                    if (File.Exists(dll))
                        catalog.LoadPlugin(dll);
                }
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
