using Hypervisor.Abstractions;
using Serilog;

namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// Keeps a port block mapped where its owner's configuration says, through the machine's
/// <see cref="IBusMapper"/>, as <see cref="Hypervisor.Abstractions.Pci.PciBarRegions"/> does for
/// BARs: <see cref="MoveTo"/> a new base maps it there (unmapping the old place), null unmaps it.
/// Thread-safe: two vCPUs' configuration writes cannot leave a stale mapping behind.
/// </summary>
public sealed class PmIoPlacement(IPortDevice block, IBusMapper buses, string name, ILogger logger) : IDisposable
{
    private readonly object _lock = new();
    private IBusRegion? _region;
    private bool _disposed;

    /// <summary>The base the block decodes at now, or null.</summary>
    public ushort? Base { get; private set; }

    /// <summary>Maps the block at <paramref name="newBase"/>, or unmaps it when null; the same base again changes nothing.</summary>
    public void MoveTo(ushort? newBase)
    {
        lock (_lock)
        {
            if (_disposed || newBase == Base)
                return;
            Unmap();
            if (newBase is not { } port)
                return;
            _region = buses.MapPorts(port, block, name);
            Base = port;
            logger.Debug("PM I/O block mapped at {Range}", _region.Range);
        }
    }

    /// <summary>Unmaps the block for good.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Unmap();
        }
    }

    // Caller holds _lock.
    private void Unmap()
    {
        if (_region == null)
            return;
        _region.Dispose();
        logger.Debug("PM I/O block unmapped from {Range}", _region.Range);
        _region = null;
        Base = null;
    }
}
