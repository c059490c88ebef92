using Hypervisor.Abstractions.Pci;

namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// virtio-pci's queue notifications as accelerator doorbells (<see cref="IIoEvents"/>, KVM's
/// ioeventfd): one per queue at its notify address (each queue has its own, 16-bit writes as Linux's
/// vp_notify does), moved whenever the guest moves BAR 0, dropped while it decodes nothing.
/// </summary>
public sealed class VirtioPciDoorbells : IDisposable
{
    private readonly object _lock = new();
    private readonly PciConfigSpace _config;
    private readonly VirtioCore _core;
    private readonly IIoEvents _events;
    private readonly List<IDisposable> _watches = [];

    public VirtioPciDoorbells(PciConfigSpace config, VirtioCore core, IIoEvents events)
    {
        _config = config;
        _core = core;
        _events = events;
        _config.BarChanged += Follow;
    }

    /// <summary>The notify length Linux uses (iowrite16 of the queue index).</summary>
    public const int NotifyWidth = 2;

    public void Dispose()
    {
        _config.BarChanged -= Follow;
        lock (_lock)
            Clear();
    }

    private void Follow(PciBarMapping mapping)
    {
        if (mapping.Index != 0)
            return;
        lock (_lock)
        {
            Clear();
            if (!mapping.Decodes)
                return;
            for (int q = 0; q < _core.Queues.Count; q++)
            {
                int queue = q;
                ulong address = mapping.Address + VirtioPciLayout.NotifyOffset + (ulong)queue * VirtioPciLayout.NotifyOffMultiplier;
                _watches.Add(_events.Watch(address, NotifyWidth, match: null, () => _core.Notify(queue)));
            }
        }
    }

    private void Clear()
    {
        foreach (var watch in _watches)
            watch.Dispose();
        _watches.Clear();
    }
}
