namespace Hypervisor.Abstractions.Backends;

/// <summary>Opens a host character backend from its machine-file spec.</summary>
public static class CharBackends
{
    /// <summary>
    /// <c>"stdio"</c>, <c>"null"</c> or <c>"file:PATH"</c> (relative to <paramref name="baseDirectory"/>).
    /// Throws <see cref="DeviceConfigurationException"/> (option "backend") when the spec is wrong or cannot be opened.
    /// </summary>
    public static ICharBackend Open(string spec, string baseDirectory)
    {
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon];
        string argument = colon < 0 ? "" : spec[(colon + 1)..];
        return kind switch
        {
            "stdio" => StdioBackend.Shared,
            "null" => new NullBackend(),
            "file" when argument.Length > 0 => FileBackend.Open(Path.GetFullPath(argument, baseDirectory)),
            _ => throw new DeviceConfigurationException("backend",
                $"unknown backend '{spec}' (expected stdio, null or file:PATH)"),
        };
    }
}
