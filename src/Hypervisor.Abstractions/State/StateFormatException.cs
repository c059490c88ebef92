namespace Hypervisor.Abstractions;

/// <summary>Saved state that cannot be read: truncated, of an unknown version, or with a value out of range.</summary>
public sealed class StateFormatException(string message) : Exception(message)
{
    /// <summary>
    /// Throws unless <paramref name="version"/> (the saved state's) is <paramref name="expected"/>, the
    /// version this build reads; <paramref name="what"/> names the state, e.g. the device type.
    /// </summary>
    public static void ThrowIfNotVersion(string what, int version, int expected)
    {
        if (version != expected)
            throw new StateFormatException($"{what} state version {version} is not {expected}, the one this build reads");
    }
}
