namespace Hypervisor.Core.Backends;

/// <summary>
/// Host input waiting for a device, bounded so that a guest that reads slowly pushes back on the
/// producer (a reader thread stops reading its socket or terminal) instead of losing bytes.
/// </summary>
internal sealed class InputQueue
{
    /// <summary>Bytes held before the producer waits: enough for a paste, small enough to push back.</summary>
    public const int DefaultLimit = 64 * 1024;

    private readonly object _lock = new();
    private readonly Queue<byte> _bytes = new();
    private readonly int _limit;
    private bool _closed;

    public InputQueue(int limit = DefaultLimit) => _limit = limit;

    public int Count
    {
        get
        {
            lock (_lock)
                return _bytes.Count;
        }
    }

    /// <summary>Adds <paramref name="data"/>, waiting while the queue is full. False once closed.</summary>
    public bool Add(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            foreach (byte b in data)
            {
                while (_bytes.Count >= _limit && !_closed)
                    Monitor.Wait(_lock);
                if (_closed)
                    return false;
                _bytes.Enqueue(b);
            }
            return true;
        }
    }

    public bool TryTake(out byte value)
    {
        lock (_lock)
        {
            if (!_bytes.TryDequeue(out value))
                return false;
            if (_bytes.Count == _limit - 1)
                Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Wakes and refuses producers (the backend is closing); queued bytes stay readable.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
