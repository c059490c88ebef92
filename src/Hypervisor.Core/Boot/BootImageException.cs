namespace Hypervisor.Core.Boot;

/// <summary>An image or kernel that cannot be loaded; the message says which file and why.</summary>
public sealed class BootImageException(string message) : Exception(message);
