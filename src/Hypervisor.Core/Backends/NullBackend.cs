using Hypervisor.Abstractions;

namespace Hypervisor.Core.Backends;

/// <summary>Discards output, never has input.</summary>
public sealed class NullBackend : ICharBackend
{
    public event Action? InputAvailable { add { } remove { } }

    public void Write(ReadOnlySpan<byte> data) { }

    public bool TryRead(out byte value)
    {
        value = 0;
        return false;
    }

    public void Flush() { }

    public void Dispose() { }
}
