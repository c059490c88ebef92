using Serilog;

namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// Keeps a function's BARs mapped where the guest programs them: attach a port or MMIO device to
/// each implemented BAR, and whenever the configuration space says a BAR moved or its decoding
/// was switched (<see cref="PciConfigSpace.BarChanged"/>), the old region is unmapped and, when
/// the BAR decodes (<see cref="PciBarMapping.Decodes"/>), the new one is mapped through
/// <see cref="DeviceContext.Buses"/>. The device answers offsets inside its BAR, wherever it is.
/// <code>
/// _config = new PciConfigSpace(0x1234, 0x11e8, 0x00ff00, bars: [new PciBar(PciBarKind.Memory32, 1 &lt;&lt; 20)]);
/// _bars = new PciBarRegions(_config, context);
/// _bars.Attach(0, new EduRegisters(...));
/// </code>
/// Thread-safe: each change re-reads the BAR's current state under a lock instead of trusting the
/// event's payload, so two vCPUs' configuration writes cannot leave a stale mapping behind.
/// </summary>
public sealed class PciBarRegions : IDisposable
{
    private readonly object _lock = new();
    private readonly PciConfigSpace _config;
    private readonly IBusMapper _buses;
    private readonly string _owner;
    private readonly ILogger _logger;
    private readonly IDevice?[] _devices = new IDevice?[PciConfigSpace.BarCount];
    private readonly (IBusRegion Region, PciBarMapping Mapping)?[] _mapped = new (IBusRegion, PciBarMapping)?[PciConfigSpace.BarCount];
    private bool _disposed;

    public PciBarRegions(PciConfigSpace config, DeviceContext context)
        : this(config, context.Buses, context.Name, context.Logger)
    {
    }

    public PciBarRegions(PciConfigSpace config, IBusMapper buses, string owner, ILogger logger)
    {
        _config = config;
        _buses = buses;
        _owner = owner;
        _logger = logger;
        _config.BarChanged += OnBarChanged;
    }

    /// <summary>Puts <paramref name="device"/> behind I/O BAR <paramref name="index"/>; its PortCount must be the BAR's size.</summary>
    public void Attach(int index, IPortDevice device) => AttachDevice(index, device, PciBarKind.Io, (ulong)device.PortCount);

    /// <summary>Puts <paramref name="device"/> behind memory BAR <paramref name="index"/>; its MmioSize must be the BAR's size.</summary>
    public void Attach(int index, IMmioDevice device) => AttachDevice(index, device, null, device.MmioSize);

    /// <summary>Where BAR <paramref name="index"/> is mapped now, or null when it decodes nothing.</summary>
    public PciBarMapping? Current(int index)
    {
        lock (_lock)
            return _mapped[index]?.Mapping;
    }

    /// <summary>Unmaps every BAR and stops following the configuration space.</summary>
    public void Dispose()
    {
        _config.BarChanged -= OnBarChanged;
        lock (_lock)
        {
            _disposed = true;
            for (int i = 0; i < _mapped.Length; i++)
                Unmap(i);
        }
    }

    private void AttachDevice(int index, IDevice device, PciBarKind? kind, ulong size)
    {
        var bar = _config.MappingOf(index);
        if (kind == PciBarKind.Io ? bar.Kind != PciBarKind.Io : bar.Kind == PciBarKind.Io)
            throw new ArgumentException($"BAR {index} is a {bar.Kind} BAR; attach a {(bar.Kind == PciBarKind.Io ? "port" : "memory-mapped")} device");
        if (size != bar.Size)
            throw new ArgumentException($"BAR {index} is 0x{bar.Size:x} bytes but the device decodes 0x{size:x}");
        lock (_lock)
        {
            if (_devices[index] != null)
                throw new InvalidOperationException($"BAR {index} already has a device");
            _devices[index] = device;
        }
        Sync(index);
    }

    private void OnBarChanged(PciBarMapping mapping) => Sync(mapping.Index);

    private void Sync(int index)
    {
        lock (_lock)
        {
            if (_disposed || _devices[index] is not { } device)
                return;
            var mapping = _config.MappingOf(index);
            bool decodes = mapping.Decodes;
            if (_mapped[index] is { } current && decodes && current.Mapping.Address == mapping.Address)
                return;
            Unmap(index);
            if (!decodes)
                return;
            string name = $"{_owner} BAR{index}";
            // The BAR's kind picks the bus (Attach checked the device fits it).
            IBusRegion region = mapping.Kind == PciBarKind.Io
                ? _buses.MapPorts((ushort)mapping.Address, (IPortDevice)device, name)
                : _buses.MapMmio(mapping.Address, (IMmioDevice)device, name);
            _mapped[index] = (region, mapping);
            _logger.Debug("BAR{Index} mapped at {Range}", index, region.Range);
        }
    }

    // Caller holds _lock.
    private void Unmap(int index)
    {
        if (_mapped[index] is not { } current)
            return;
        _mapped[index] = null;
        current.Region.Dispose();
        _logger.Debug("BAR{Index} unmapped from {Range}", index, current.Region.Range);
    }
}
