namespace Hypervisor.Abstractions.Backends;

/// <summary>
/// The process's standard output (guest serial output goes here, never mixed with logs, which go
/// to stderr). Shared by every device that names it; writes are serialized.
/// </summary>
public sealed class StdioBackend : ICharBackend
{
    public static readonly StdioBackend Shared = new();

    private readonly Stream _out = Console.OpenStandardOutput();
    private readonly object _lock = new();

    private StdioBackend() { }

    public event Action? InputAvailable { add { } remove { } }

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
            _out.Write(data);
    }

    public bool TryRead(out byte value)
    {
        value = 0;
        return false;
    }

    public void Flush()
    {
        lock (_lock)
            _out.Flush();
    }

    // Standard output outlives any one device.
    public void Dispose() => Flush();
}
