using System.Reflection;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Plugins;

/// <summary>A device type found in a plugin: what <c>minivmm devices</c> lists and machine files name.</summary>
public sealed class DeviceType
{
    internal DeviceType(Type clrType, DeviceAttribute attribute, string pluginPath)
    {
        ClrType = clrType;
        Name = attribute.Type;
        Description = attribute.Description;
        PluginPath = pluginPath;
        Options = clrType.GetCustomAttributes<DeviceOptionAttribute>().ToArray();
        Constructor = clrType.GetConstructor([typeof(DeviceContext)]);
    }

    /// <summary>The type name machine files use (e.g. "uart16550").</summary>
    public string Name { get; }

    public string Description { get; }

    /// <summary>The plugin assembly that provides it.</summary>
    public string PluginPath { get; }

    public string PluginName => Path.GetFileNameWithoutExtension(PluginPath);

    public Type ClrType { get; }

    public IReadOnlyList<DeviceOptionAttribute> Options { get; }

    /// <summary>The public constructor taking a <see cref="DeviceContext"/>, or null when the plugin is malformed.</summary>
    public ConstructorInfo? Constructor { get; }

    public bool IsPortDevice => typeof(IPortDevice).IsAssignableFrom(ClrType);

    public bool IsMmioDevice => typeof(IMmioDevice).IsAssignableFrom(ClrType);
}
