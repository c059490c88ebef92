using Hypervisor.Abstractions;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's <see cref="IIoEvents"/>: devices register doorbells while they are built, before the
/// VM exists, so each watch is kept here and handed to the accelerator's own (KVM's ioeventfd) once
/// <see cref="Attach"/> names it; with none (the software CPU, a KVM without the capability) the
/// watches stay unfulfilled and the writes reach the devices through the MMIO bus as before.
/// </summary>
public sealed class IoEventRouter : IIoEvents, IDisposable
{
    private readonly object _lock = new();
    private readonly List<Registration> _watches = [];
    private IIoEvents? _accelerator;
    private ILogger _logger = Serilog.Core.Logger.None;

    /// <summary>Hands every watch, present and future, to <paramref name="accelerator"/> (null: none can be).</summary>
    public void Attach(IIoEvents? accelerator, ILogger logger)
    {
        lock (_lock)
        {
            _accelerator = accelerator;
            _logger = logger;
            if (accelerator == null)
            {
                if (_watches.Count > 0)
                    logger.Information("The accelerator has no ioeventfd: {Count} doorbell(s) stay ordinary MMIO exits", _watches.Count);
                return;
            }
            foreach (var watch in _watches)
                watch.Start(accelerator);
            logger.Debug("{Count} doorbell(s) on the accelerator's ioeventfd", _watches.Count);
        }
    }

    public IDisposable Watch(ulong address, int length, ulong? match, Action written)
    {
        var watch = new Registration(this, address, length, match, () => Run(address, written));
        lock (_lock)
        {
            _watches.Add(watch);
            if (_accelerator != null)
                watch.Start(_accelerator);
        }
        return watch;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var watch in _watches)
                watch.Stop();
            _watches.Clear();
        }
    }

    // On the accelerator's thread: a device that throws is logged, not allowed to end the process.
    private void Run(ulong address, Action written)
    {
        try
        {
            written();
        }
        catch (Exception e)
        {
            _logger.Error(e, "The device behind the doorbell at 0x{Address:x} threw", address);
        }
    }

    private void Remove(Registration watch)
    {
        lock (_lock)
            _watches.Remove(watch);
    }

    private sealed class Registration(IoEventRouter router, ulong address, int length, ulong? match, Action written) : IDisposable
    {
        private IDisposable? _live;

        public void Start(IIoEvents accelerator) => _live ??= accelerator.Watch(address, length, match, written);

        public void Stop()
        {
            _live?.Dispose();
            _live = null;
        }

        public void Dispose()
        {
            router.Remove(this);
            lock (router._lock)
                Stop();
        }
    }
}
