using Hypervisor.Abstractions;

namespace Hypervisor.Core.Bus;

/// <summary>
/// The x86 I/O port space: 64 Ki ports, each owned by at most one device. A direct table gives
/// O(1) dispatch. Unclaimed ports behave like an empty ISA bus: reads return all ones, writes
/// are dropped, and both are counted.
/// </summary>
public sealed class PortBus
{
    private const int PortSpace = 0x10000;

    private readonly PortRegistration?[] _owners = new PortRegistration?[PortSpace];
    private readonly List<PortRegistration> _registrations = [];

    /// <summary>Accesses to ports no device claims.</summary>
    public long UnclaimedAccesses { get; private set; }

    /// <summary>Called for each unclaimed access (port, size, isWrite), e.g. to log at debug level.</summary>
    public Action<ushort, int, bool>? UnclaimedAccess { get; set; }

    public IReadOnlyList<PortRegistration> Registrations => _registrations;

    /// <summary>
    /// Claims ports [<paramref name="basePort"/>, basePort + device.PortCount) for <paramref name="device"/>.
    /// Throws <see cref="BusConflictException"/> naming both devices when any port is taken.
    /// </summary>
    public PortRegistration Register(ushort basePort, IPortDevice device, string name)
    {
        int count = device.PortCount;
        if (count <= 0 || basePort + count > PortSpace)
            throw new BusConflictException($"device '{name}' at port 0x{basePort:x} with {count} ports does not fit the 64 Ki port space");
        var registration = new PortRegistration(name, basePort, count, device);
        for (int port = basePort; port < basePort + count; port++)
        {
            if (_owners[port] is { } other)
                throw new BusConflictException(
                    $"device '{name}' (ports {registration.Range}) overlaps device '{other.Name}' (ports {other.Range}) at port 0x{port:x}");
        }
        for (int port = basePort; port < basePort + count; port++)
            _owners[port] = registration;
        _registrations.Add(registration);
        return registration;
    }

    /// <summary>The device owning <paramref name="port"/>, or null.</summary>
    public PortRegistration? Find(ushort port) => _owners[port];

    /// <summary>A guest IN of <paramref name="size"/> bytes.</summary>
    public uint Read(ushort port, int size)
    {
        var owner = _owners[port];
        if (owner == null)
        {
            UnclaimedAccesses++;
            UnclaimedAccess?.Invoke(port, size, false);
            return size switch { 1 => 0xff, 2 => 0xffff, _ => 0xffff_ffff };
        }
        owner.Accesses++;
        return owner.Device.Read((ushort)(port - owner.BasePort), size);
    }

    /// <summary>A guest OUT of <paramref name="size"/> bytes.</summary>
    public void Write(ushort port, int size, uint value)
    {
        var owner = _owners[port];
        if (owner == null)
        {
            UnclaimedAccesses++;
            UnclaimedAccess?.Invoke(port, size, true);
            return;
        }
        owner.Accesses++;
        owner.Device.Write((ushort)(port - owner.BasePort), size, value);
    }
}

/// <summary>One device's claim on the port bus, with its access count for <c>--stats</c>.</summary>
public sealed class PortRegistration(string name, ushort basePort, int count, IPortDevice device)
{
    public string Name { get; } = name;
    public ushort BasePort { get; } = basePort;
    public int Count { get; } = count;
    public IPortDevice Device { get; } = device;
    public long Accesses { get; internal set; }
    public string Range => Count == 1 ? $"0x{BasePort:x}" : $"0x{BasePort:x}-0x{BasePort + Count - 1:x}";
}
