namespace Hypervisor.Abstractions;

/// <summary>
/// Marks a class as a device type that machine files can name, e.g.
/// <c>[Device("uart16550", Port = 0x3f8, Irq = 4)]</c>. The class must implement
/// <see cref="IPortDevice"/> and/or <see cref="IMmioDevice"/> (or only <see cref="IDevice"/> for a
/// device that places itself, such as a PCI function) and have a public constructor taking a
/// <see cref="DeviceContext"/>.
/// <para>
/// <see cref="Port"/>, <see cref="Mmio"/> and <see cref="Irq"/> are the chip's standard placement:
/// an entry that gives no <c>"ports"</c>, <c>"mmio"</c> or <c>"irq"</c> gets them, so
/// <c>{ "type": "i8254" }</c> is a complete entry. Further ranges a chip decodes are declared with
/// <see cref="DeviceWindowAttribute"/>.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DeviceAttribute(string type) : Attribute
{
    /// <summary>Marks <see cref="Port"/>, <see cref="Irq"/> as absent.</summary>
    public const int None = -1;

    /// <summary>Marks <see cref="Mmio"/> as absent.</summary>
    public const ulong NoAddress = ulong.MaxValue;

    /// <summary>The name machine files use in a device entry's <c>"type"</c>.</summary>
    public string Type { get; } = type;

    /// <summary>One line for <c>minivmm devices</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>The base port an entry without <c>"ports"</c> gets (e.g. 0x40 for the 8254), or <see cref="None"/>.</summary>
    public int Port { get; init; } = None;

    /// <summary>The MMIO base an entry without <c>"mmio"</c> gets, or <see cref="NoAddress"/>.</summary>
    public ulong Mmio { get; init; } = NoAddress;

    /// <summary>
    /// The interrupt line an entry without <c>"irq"</c> gets (e.g. 0 for the 8254), or <see cref="None"/>.
    /// A default line on a machine without an interrupt controller stays disconnected; one written in
    /// the machine file there is an error.
    /// </summary>
    public int Irq { get; init; } = None;
}
