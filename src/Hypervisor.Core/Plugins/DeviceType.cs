using System.Reflection;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Plugins;

/// <summary>A device type found in a plugin: what <c>minivmm devices</c> lists and machine files name.</summary>
public sealed class DeviceType
{
    /// <summary>The device type <paramref name="clrType"/> declares with its <see cref="DeviceAttribute"/> (the device test kit builds one for the class under test).</summary>
    public static DeviceType Of(Type clrType)
        => new(clrType, clrType.GetCustomAttribute<DeviceAttribute>()
            ?? throw new ArgumentException($"{clrType.Name} has no [Device(\"...\")] attribute"), clrType.Assembly.Location);

    internal DeviceType(Type clrType, DeviceAttribute attribute, string pluginPath)
    {
        DefaultPort = attribute.Port is >= 0 and <= ushort.MaxValue ? (ushort)attribute.Port : null;
        DefaultMmio = attribute.Mmio != DeviceAttribute.NoAddress ? attribute.Mmio : null;
        DefaultIrq = attribute.Irq >= 0 ? attribute.Irq : null;
        Windows = clrType.GetCustomAttributes<DeviceWindowAttribute>().ToArray();
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

    /// <summary>The standard base port an entry without <c>"ports"</c> gets, or null.</summary>
    public ushort? DefaultPort { get; }

    /// <summary>The standard MMIO base an entry without <c>"mmio"</c> gets, or null.</summary>
    public ulong? DefaultMmio { get; }

    /// <summary>The standard interrupt line an entry without <c>"irq"</c> gets, or null.</summary>
    public int? DefaultIrq { get; }

    /// <summary>The further windows the type decodes, with their standard bases.</summary>
    public IReadOnlyList<DeviceWindowAttribute> Windows { get; }

    /// <summary>Where the type sits by default, for <c>minivmm devices</c>: e.g. <c>ports 0x20, irq 2; slave 0xa0</c>, or "".</summary>
    public string Placement
    {
        get
        {
            var parts = new List<string>();
            if (DefaultPort is { } port)
                parts.Add($"port 0x{port:x}");
            if (DefaultMmio is { } mmio)
                parts.Add($"mmio 0x{mmio:x}");
            if (DefaultIrq is { } irq)
                parts.Add($"irq {irq}");
            parts.AddRange(Windows.Select(w => w.IsPorts ? $"{w.Name} 0x{w.Port:x}" : $"{w.Name} mmio 0x{w.Mmio:x}"));
            return string.Join(", ", parts);
        }
    }

    /// <summary>The public constructor taking a <see cref="DeviceContext"/>, or null when the plugin is malformed.</summary>
    public ConstructorInfo? Constructor { get; }

    public bool IsPortDevice => typeof(IPortDevice).IsAssignableFrom(ClrType);

    public bool IsMmioDevice => typeof(IMmioDevice).IsAssignableFrom(ClrType);
}
