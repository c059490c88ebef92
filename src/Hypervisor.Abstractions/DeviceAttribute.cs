namespace Hypervisor.Abstractions;

/// <summary>
/// Marks a class as a device type that machine files can name, e.g. <c>[Device("uart16550")]</c>.
/// The class must implement <see cref="IPortDevice"/> and/or <see cref="IMmioDevice"/> and have a
/// public constructor taking a <see cref="DeviceContext"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DeviceAttribute(string type) : Attribute
{
    /// <summary>The name machine files use in a device entry's <c>"type"</c>.</summary>
    public string Type { get; } = type;

    /// <summary>One line for <c>minivmm devices</c>.</summary>
    public string Description { get; init; } = "";
}
