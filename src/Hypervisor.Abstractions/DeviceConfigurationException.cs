namespace Hypervisor.Abstractions;

/// <summary>
/// Thrown by a device constructor when its options are wrong. The core reports it as a
/// machine-file error naming the device and the option, before the VM starts.
/// </summary>
public sealed class DeviceConfigurationException(string option, string message) : Exception(message)
{
    /// <summary>The option key at fault (e.g. <c>"backend"</c>), or empty for the entry as a whole.</summary>
    public string Option { get; } = option;
}
