namespace Hypervisor.Core.Plugins;

/// <summary>A plugin folder or assembly that cannot be used; the message names the path and the cause.</summary>
public sealed class PluginLoadException(string message) : Exception(message);
