using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;
using Serilog;

namespace Hypervisor.Testing;

/// <summary>
/// The test kit's buses: the machine's own <see cref="PortBus"/> and <see cref="MmioBus"/>, on which
/// the harness places the device (its main range and its windows) as a machine does, and the
/// machine's <see cref="MachineBuses"/> for the regions the device maps at run time (PCI BARs), with
/// the same rule: the newest region decodes. A test reaches any of them at guest addresses with
/// <see cref="In"/>/<see cref="Out"/> and <see cref="ReadMmio"/>/<see cref="WriteMmio"/>; unclaimed
/// accesses read all ones.
/// </summary>
public sealed class HarnessBuses : IBusMapper
{
    private readonly object _lock = new();
    private readonly List<(string Name, IBusRegion Region)> _mapped = [];
    private readonly MachineBuses _mapper;

    public HarnessBuses(ILogger? logger = null)
    {
        _mapper = new MachineBuses(Ports, Mmio, logger ?? Serilog.Core.Logger.None);
    }

    /// <summary>The port bus the harness places devices on.</summary>
    public PortBus Ports { get; } = new();

    /// <summary>The MMIO bus the harness places devices on.</summary>
    public MmioBus Mmio { get; } = new();

    /// <summary>What the device mapped at run time and is mapped now, oldest first, as <c>"NAME ports 0x..-0x.."</c> or <c>"NAME MMIO 0x..-0x.."</c>.</summary>
    public IReadOnlyList<string> Mapped
    {
        get
        {
            lock (_lock)
                return _mapped.Select(r => $"{r.Name} {r.Region.Range}").ToArray();
        }
    }

    public IBusRegion MapPorts(ushort basePort, IPortDevice device, string name) => Track(name, _mapper.MapPorts(basePort, device, name));

    public IBusRegion MapMmio(ulong baseAddress, IMmioDevice device, string name) => Track(name, _mapper.MapMmio(baseAddress, device, name));

    /// <summary>A guest load at guest physical <paramref name="address"/>.</summary>
    public ulong ReadMmio(ulong address, int size) => Mmio.Read(address, size);

    /// <summary>A guest store at guest physical <paramref name="address"/>.</summary>
    public void WriteMmio(ulong address, int size, ulong value) => Mmio.Write(address, size, value);

    /// <summary>A guest IN at <paramref name="port"/>.</summary>
    public uint In(ushort port, int size = 1) => Ports.Read(port, size);

    /// <summary>A guest OUT at <paramref name="port"/>.</summary>
    public void Out(ushort port, int size, uint value) => Ports.Write(port, size, value);

    private IBusRegion Track(string name, IBusRegion region)
    {
        var tracked = new TrackedRegion(this, region);
        lock (_lock)
            _mapped.Add((name, tracked));
        return tracked;
    }

    private sealed class TrackedRegion(HarnessBuses owner, IBusRegion inner) : IBusRegion
    {
        public string Range => inner.Range;

        public void Dispose()
        {
            lock (owner._lock)
                owner._mapped.RemoveAll(r => r.Region == this);
            inner.Dispose();
        }
    }
}
