namespace Hypervisor.Core.Runtime;

/// <summary>A device whose constructor failed for a reason other than its options.</summary>
public sealed class DeviceLoadException(string message) : Exception(message);
