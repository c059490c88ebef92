using System.Text;
using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>
/// A character backend in memory: a test feeds host input with <see cref="Feed(byte[])"/> and
/// reads what the device transmitted from <see cref="Output"/>. Input stays queued until the
/// device takes it, exactly as the SDK's backends behave. Thread-safe.
/// </summary>
public sealed class MemoryCharBackend : ICharBackend
{
    private readonly object _lock = new();
    private readonly Queue<byte> _input = new();
    private readonly MemoryStream _output = new();

    public event Action? InputAvailable;

    /// <summary>Every byte the device has written, in order.</summary>
    public byte[] Output
    {
        get
        {
            lock (_lock)
                return _output.ToArray();
        }
    }

    /// <summary>The output decoded as Latin-1 (one char per byte).</summary>
    public string OutputText => Encoding.Latin1.GetString(Output);

    /// <summary>Input bytes the device has not taken yet.</summary>
    public int PendingInput
    {
        get
        {
            lock (_lock)
                return _input.Count;
        }
    }

    /// <summary>How many times the device called <see cref="Flush"/>.</summary>
    public int FlushCount { get; private set; }

    public bool IsDisposed { get; private set; }

    /// <summary>Queues host input and tells the device (synchronously, on the calling thread).</summary>
    public void Feed(params byte[] data)
    {
        lock (_lock)
        {
            foreach (byte b in data)
                _input.Enqueue(b);
        }
        InputAvailable?.Invoke();
    }

    /// <summary>Queues the Latin-1 bytes of <paramref name="text"/> as host input.</summary>
    public void Feed(string text) => Feed(Encoding.Latin1.GetBytes(text));

    /// <summary>Forgets the output captured so far.</summary>
    public void ClearOutput()
    {
        lock (_lock)
            _output.SetLength(0);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
            _output.Write(data);
    }

    public bool TryRead(out byte value)
    {
        lock (_lock)
            return _input.TryDequeue(out value);
    }

    public void Flush() => FlushCount++;

    public void Dispose() => IsDisposed = true;
}
