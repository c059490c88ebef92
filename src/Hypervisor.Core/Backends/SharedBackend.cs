using Hypervisor.Abstractions;

namespace Hypervisor.Core.Backends;

/// <summary>
/// A host backend that more than one device instance may hold in turn: when a device plugin is
/// swapped, the new instance takes the old one's stream (the same socket client, the same file
/// position) instead of opening it again. Each instance gets a <see cref="Lease"/>; the backend
/// closes when the last lease is disposed.
/// </summary>
public sealed class SharedBackend(ICharBackend inner)
{
    private readonly object _lock = new();
    private int _leases;

    /// <summary>A handle for one device instance.</summary>
    public ICharBackend Lease()
    {
        lock (_lock)
            _leases++;
        return new BackendLease(this);
    }

    private void Release()
    {
        lock (_lock)
        {
            if (--_leases == 0)
                inner.Dispose();
        }
    }

    /// <summary>Forwards to the shared backend; its input events end with it, so a swapped-out device hears nothing more.</summary>
    private sealed class BackendLease(SharedBackend shared) : ICharBackend
    {
        private readonly List<Action> _handlers = [];
        private bool _disposed;

        public void Write(ReadOnlySpan<byte> data) => shared.Inner.Write(data);

        public bool TryRead(out byte value) => shared.Inner.TryRead(out value);

        public void Flush() => shared.Inner.Flush();

        public event Action? InputAvailable
        {
            add
            {
                if (value == null)
                    return;
                lock (_handlers)
                    _handlers.Add(value);
                shared.Inner.InputAvailable += value;
            }
            remove
            {
                if (value == null)
                    return;
                lock (_handlers)
                    _handlers.Remove(value);
                shared.Inner.InputAvailable -= value;
            }
        }

        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            lock (_handlers)
            {
                foreach (var handler in _handlers)
                    shared.Inner.InputAvailable -= handler;
                _handlers.Clear();
            }
            shared.Inner.Flush();
            shared.Release();
        }
    }

    private ICharBackend Inner => inner;
}
