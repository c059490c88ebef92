namespace Hypervisor.Abstractions;

/// <summary>
/// Declares one key a device accepts in its machine-file <c>"options"</c> object. The core rejects
/// options a device does not declare (naming the device and the key) and lists them in
/// <c>minivmm devices</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DeviceOptionAttribute(string name, string description) : Attribute
{
    /// <summary>The key inside <c>"options"</c>, e.g. <c>"backend"</c>.</summary>
    public string Name { get; } = name;

    /// <summary>What the option does, for <c>minivmm devices</c>.</summary>
    public string Description { get; } = description;

    /// <summary>
    /// The value is an object of keys (e.g. virtio-net's <c>"backend": { "type": "tap", "ifname": "tap0" }</c>),
    /// read with <c>context.Options.GetSection(name)</c>; other options must be single values.
    /// </summary>
    public bool IsObject { get; init; }

    /// <summary>The default, shown to users; informational only.</summary>
    public string? Default { get; init; }
}
