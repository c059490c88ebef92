using System.Reflection;
using System.Runtime.Loader;
using Hypervisor.Abstractions;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Plugins;

/// <summary>
/// The load context of one plugin. The SDK, Serilog and the configuration abstractions are always
/// the host's, so a device's <c>IPortDevice</c> is the core's and its <c>DeviceContext</c> the one
/// the core builds. The plugin's other dependencies come from its folder, resolved through its
/// <c>.deps.json</c> as the host resolves its own, unless the host has the same assembly in the
/// version asked for or newer; what the plugin does not carry is the host's (the framework).
/// </summary>
/// <remarks>
/// McMaster.NETCore.Plugins with <c>PreferSharedTypes</c> did this, at a cost a cold start could
/// not afford: it inspected the process's modules (reading /proc/self/maps twice) and the host's
/// runtime configuration for every plugin.
/// </remarks>
internal sealed class PluginLoadContext(string assemblyPath) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(assemblyPath))
{
    private static readonly HashSet<string> Shared = new(
        new[] { typeof(IDevice), typeof(Serilog.ILogger), typeof(IConfiguration) }.Select(type => type.Assembly.GetName().Name!),
        StringComparer.OrdinalIgnoreCase);

    // The host's assemblies by simple name: the framework and everything in minivmm's .deps.json.
    private static readonly Lazy<Dictionary<string, string>> HostAssemblies = new(() =>
        ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .DistinctBy(path => Path.GetFileNameWithoutExtension(path), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(path => Path.GetFileNameWithoutExtension(path), StringComparer.OrdinalIgnoreCase));

    private readonly AssemblyDependencyResolver _resolver = new(assemblyPath);

    /// <summary>The plugin's own assembly, loaded in this context.</summary>
    public Assembly LoadPlugin() => LoadFromAssemblyPath(assemblyPath);

    protected override Assembly? Load(AssemblyName name)
    {
        if (name.Name == null || Shared.Contains(name.Name))
            return null; // null: the default context, the host's copy
        if (_resolver.ResolveAssemblyToPath(name) is not { } own)
            return null;
        if (HostAssemblies.Value.TryGetValue(name.Name, out string? hosts) && AssemblyName.GetAssemblyName(hosts).Version >= name.Version)
            return null;
        return LoadFromAssemblyPath(own);
    }

    protected override nint LoadUnmanagedDll(string unmanagedDllName)
        => _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : 0;
}
