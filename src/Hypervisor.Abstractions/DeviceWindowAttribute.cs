namespace Hypervisor.Abstractions;

/// <summary>
/// Declares a further port or MMIO range a device decodes besides its main one (the register
/// window its <see cref="IPortDevice"/> or <see cref="IMmioDevice"/> answers), as kvmtool's
/// <c>ioport__register</c> and rust-vmm's vm-device let a device claim several ranges: the 8259
/// pair's slave at 0xa0 and ELCR at 0x4d0, the 8042's data port 0x60.
/// <para>
/// The device supplies the window's handler from its constructor through
/// <see cref="DeviceContext.Windows"/>; the machine places it at <see cref="Port"/> (or
/// <see cref="Mmio"/>) unless the entry moves it: <c>"windows": { "slave": "0xa0" }</c>.
/// <c>minivmm devices</c> lists the windows.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DeviceWindowAttribute(string name) : Attribute
{
    /// <summary>The window's key in the entry's <c>"windows"</c> object, e.g. <c>"slave"</c>.</summary>
    public string Name { get; } = name;

    /// <summary>What the window holds, for <c>minivmm devices</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>The window's standard base port, or <see cref="DeviceAttribute.None"/> for an MMIO window.</summary>
    public int Port { get; init; } = DeviceAttribute.None;

    /// <summary>The window's standard MMIO base, or <see cref="DeviceAttribute.NoAddress"/> for a port window.</summary>
    public ulong Mmio { get; init; } = DeviceAttribute.NoAddress;

    /// <summary>True for a port window.</summary>
    public bool IsPorts => Port != DeviceAttribute.None;
}
