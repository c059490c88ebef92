namespace Hypervisor.Abstractions;

/// <summary>Saved state that cannot be read: truncated, of an unknown version, or with a value out of range.</summary>
public sealed class StateFormatException(string message) : Exception(message);
