using System.Reflection;
using Hypervisor.Abstractions;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Plugins;

/// <summary>
/// The device types of every plugin in a set of folders. A plugin is a folder
/// <c>&lt;Name&gt;/&lt;Name&gt;.dll</c> (what a plugin project's build lays out); a folder given
/// may hold such plugin folders, be one itself, or be a build output (<c>&lt;Name&gt;.dll</c> beside
/// <c>&lt;Name&gt;.deps.json</c>); one with none of these is an error. Each loads through its own
/// McMaster.NETCore.Plugins <see cref="PluginLoader"/>, sharing the SDK, Serilog and configuration types with the host so that a
/// device's <see cref="IPortDevice"/> is the host's <see cref="IPortDevice"/>.
/// <see cref="Load"/> loads every plugin; <see cref="Open"/> loads a plugin only when one of its
/// types is asked for, knowing which plugin provides what from a <see cref="PluginIndex"/>.
/// </summary>
public sealed class PluginCatalog : IDisposable
{
    private static readonly Type[] SharedTypes = [typeof(IDevice), typeof(Serilog.ILogger), typeof(IConfiguration)];

    private readonly List<PluginLoader> _loaders = [];
    private readonly Dictionary<string, DeviceType> _types = new(StringComparer.Ordinal);
    // Every known type name and the assembly providing it, loaded or not (duplicates are found before loading).
    private readonly Dictionary<string, string> _providers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private readonly List<string> _assemblies = [];

    private PluginCatalog() { }

    /// <summary>The default plugin folder: <c>plugins/</c> beside the minivmm executable.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Every device type (an <see cref="Open"/>ed catalog loads the plugins it has not loaded yet).</summary>
    public IReadOnlyCollection<DeviceType> DeviceTypes
    {
        get
        {
            foreach (string dll in _assemblies)
                EnsureLoaded(dll);
            return _types.Values;
        }
    }

    /// <summary>The folders that were searched, in order.</summary>
    public IReadOnlyList<string> Directories { get; private init; } = [];

    /// <summary>Loads every plugin under <paramref name="directories"/>; throws <see cref="PluginLoadException"/> on the first bad one.</summary>
    public static PluginCatalog Load(IEnumerable<string> directories)
    {
        var catalog = Open(directories, PluginIndex.InMemory());
        try
        {
            _ = catalog.DeviceTypes;
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
        return catalog;
    }

    /// <summary>
    /// The plugins under <paramref name="directories"/>, loading now only those the index does not
    /// know in their current state (and recording them); the others load on first <see cref="Find"/>.
    /// Missing folders, folders without plugins, plugins that fail to load and type names provided
    /// twice throw <see cref="PluginLoadException"/> as with <see cref="Load"/>.
    /// </summary>
    public static PluginCatalog Open(IEnumerable<string> directories, PluginIndex index)
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
                    catalog.Add(dll, index);
            }
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
        index.SaveIfChanged();
        return catalog;
    }

    /// <summary>The plugin assemblies loaded so far (the tests check what an index spared).</summary>
    internal IReadOnlyCollection<string> LoadedAssemblies => _loaded;

    /// <summary>The type names of every plugin, without loading any more of them.</summary>
    public IReadOnlyCollection<string> TypeNames => _providers.Keys;

    /// <summary>The device type named <paramref name="typeName"/>, loading its plugin if needed, or null.</summary>
    public DeviceType? Find(string typeName)
    {
        if (_providers.TryGetValue(typeName, out string? dll))
            EnsureLoaded(dll);
        return _types.GetValueOrDefault(typeName);
    }

    /// <summary>Registers a plugin assembly: its type names from the index, or from loading it now.</summary>
    private void Add(string dll, PluginIndex index)
    {
        var file = new FileInfo(dll);
        _assemblies.Add(file.FullName);
        IEnumerable<string> names;
        if (index.Lookup(file) is { } known)
            names = known;
        else
        {
            var found = LoadPlugin(file.FullName);
            _loaded.Add(file.FullName);
            index.Record(file, found.Select(t => t.Name));
            names = found.Select(t => t.Name);
        }
        foreach (string name in names)
        {
            if (_providers.TryGetValue(name, out string? existing))
                throw new PluginLoadException($"device type '{name}' is provided twice: by '{existing}' and by '{file.FullName}'");
            _providers.Add(name, file.FullName);
        }
    }

    private void EnsureLoaded(string dll)
    {
        if (_loaded.Add(dll))
            LoadPlugin(dll);
    }

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

    /// <summary>Loads one plugin assembly and adds its device types; a malformed one throws <see cref="PluginLoadException"/>.</summary>
    private List<DeviceType> LoadPlugin(string dll)
    {
        Type[] exported;
        try
        {
            // One loader per plugin actually loaded: its constructor parses minivmm.runtimeconfig.json
            // and reads /proc/self/maps (Process.MainModule), a cost the plugin index keeps to the plugins a machine uses.
            var loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, config => config.PreferSharedTypes = true);
            _loaders.Add(loader);
            exported = loader.LoadDefaultAssembly().GetExportedTypes();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException)
        {
            throw new PluginLoadException($"plugin '{dll}' failed to load: {e.Message}");
        }

        var found = new List<DeviceType>();
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
            if (_types.TryGetValue(attribute.Type, out var existing) || found.Any(t => t.Name == attribute.Type))
                throw new PluginLoadException($"device type '{attribute.Type}' is provided twice: by '{existing?.PluginPath ?? dll}' and by '{dll}'");
            found.Add(deviceType);
        }
        foreach (var deviceType in found)
            _types.Add(deviceType.Name, deviceType);
        return found;
    }

    /// <summary>
    /// Loads a new build of a plugin for a device swap and returns its device type <paramref name="typeName"/>.
    /// <paramref name="path"/> is the plugin assembly or a folder in any layout <see cref="Open"/> accepts.
    /// The build gets its own collectible load context, read into memory (so the files can be rebuilt
    /// again), and unloads when the catalog is disposed. Throws <see cref="PluginLoadException"/>.
    /// </summary>
    public DeviceType LoadBuild(string path, string typeName)
    {
        path = Path.GetFullPath(path);
        List<string> assemblies = File.Exists(path) ? [path]
            : Directory.Exists(path) ? PluginAssemblies(path)
            : throw new PluginLoadException($"'{path}' is neither a plugin assembly nor a folder");
        foreach (string dll in assemblies)
        {
            Type[] exported;
            try
            {
                var loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, config =>
                {
                    config.PreferSharedTypes = true;
                    config.IsUnloadable = true;
                    config.LoadInMemory = true;
                });
                _loaders.Add(loader);
                exported = loader.LoadDefaultAssembly().GetExportedTypes();
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException)
            {
                throw new PluginLoadException($"plugin '{dll}' failed to load: {e.Message}");
            }
            foreach (var type in exported)
            {
                if (type.GetCustomAttribute<DeviceAttribute>() is { } attribute && attribute.Type == typeName && !type.IsAbstract)
                {
                    var deviceType = new DeviceType(type, attribute, dll);
                    if (deviceType.Constructor == null || !typeof(IDevice).IsAssignableFrom(type))
                        throw new PluginLoadException($"plugin '{dll}': device type '{typeName}' ({type.FullName}) is not a device with a public constructor taking a DeviceContext");
                    return deviceType;
                }
            }
        }
        throw new PluginLoadException($"no plugin in '{path}' provides device type '{typeName}'");
    }

    /// <summary>Forgets the plugins and disposes their loaders (not unloadable, so their code stays loaded for the process's life).</summary>
    public void Dispose()
    {
        foreach (var loader in _loaders)
            loader.Dispose();
        _loaders.Clear();
        _types.Clear();
        _providers.Clear();
        _assemblies.Clear();
    }
}
