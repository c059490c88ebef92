using Hypervisor.Abstractions;

namespace Hypervisor.Core.Bus;

/// <summary>
/// The x86 I/O port space: 64 Ki ports, each owned by at most one device. A direct table gives
/// O(1) dispatch. Unclaimed ports behave like an empty ISA bus: reads return all ones, writes
/// are dropped, and both are counted.
/// <para>
/// Two ways to claim ports. <see cref="Register"/> is for the machine file's entries, before the
/// VM runs: an overlap is a configuration error. <see cref="Map"/> is for regions a guest moves
/// while it runs (PCI I/O BARs): it never fails on an overlap; the later mapping decodes the ports
/// both claim and the earlier one reappears when it is unmapped — QEMU's rule (pci.c adds BARs
/// at priority 1, above the ISA devices, and among equal priorities the newer region is on top).
/// </para>
/// <para>
/// Threads: vCPU threads read the table without a lock. Changes (serialized by a lock) write
/// one table slot at a time; a slot holds a reference, which .NET writes atomically, so a
/// concurrent access sees the old or the new owner of its port, never a torn one. A remap is thus
/// not atomic across a region's ports — which only a guest racing its own BAR write with accesses
/// to that BAR from another vCPU could notice; real hardware gives no guarantee there either.
/// </para>
/// </summary>
public sealed class PortBus
{
    private const int PortSpace = 0x10000;

    private readonly PortRegistration?[] _owners = new PortRegistration?[PortSpace];
    private readonly object _changeLock = new();
    // In mapping order (later on top); replaced, never changed in place, so readers need no lock.
    private PortRegistration[] _registrations = [];
    private readonly Dictionary<string, UnmappedAccesses> _unmapped = [];

    /// <summary>Accesses to ports no device claims.</summary>
    public long UnclaimedAccesses { get; private set; }

    /// <summary>Called for each unclaimed access (port, size, isWrite), e.g. to log at debug level.</summary>
    public Action<ushort, int, bool>? UnclaimedAccess { get; set; }

    /// <summary>Every current claim, in the order they were made.</summary>
    public IReadOnlyList<PortRegistration> Registrations => Volatile.Read(ref _registrations);

    /// <summary>
    /// Accesses to regions that are unmapped now, by name (a BAR remapped many times is one entry),
    /// with the range each had last: what <c>--stats</c> shows for them.
    /// </summary>
    public IReadOnlyDictionary<string, UnmappedAccesses> Unmapped
    {
        get
        {
            lock (_changeLock)
                return new Dictionary<string, UnmappedAccesses>(_unmapped);
        }
    }

    /// <summary>
    /// Claims ports [<paramref name="basePort"/>, basePort + device.PortCount) for <paramref name="device"/>.
    /// Throws <see cref="BusConflictException"/> naming both devices when any port is taken.
    /// </summary>
    public PortRegistration Register(ushort basePort, IPortDevice device, string name)
    {
        var registration = Create(basePort, device, name);
        lock (_changeLock)
        {
            for (int port = basePort; port < registration.End; port++)
            {
                if (_owners[port] is { } other)
                    throw new BusConflictException(
                        $"device '{name}' (ports {registration.Range}) overlaps device '{other.Name}' (ports {other.Range}) at port 0x{port:x}");
            }
            Add(registration);
        }
        return registration;
    }

    /// <summary>
    /// Maps ports for a region that moves at run time: the new mapping decodes every port of its
    /// range, above any earlier claim (see the class remarks). Throws <see cref="BusConflictException"/>
    /// only when the range does not fit the port space.
    /// </summary>
    public PortRegistration Map(ushort basePort, IPortDevice device, string name)
    {
        var registration = Create(basePort, device, name);
        lock (_changeLock)
            Add(registration);
        return registration;
    }

    /// <summary>
    /// Removes <paramref name="registration"/>; each of its ports goes back to the newest remaining
    /// claim on it, or to nobody. Unregistering twice does nothing.
    /// </summary>
    public void Unregister(PortRegistration registration)
    {
        lock (_changeLock)
        {
            int index = Array.IndexOf(_registrations, registration);
            if (index < 0)
                return;
            var remaining = _registrations.Where((_, i) => i != index).ToArray();
            Retire(registration.Name, registration.Accesses, $"ports {registration.Range}");
            Volatile.Write(ref _registrations, remaining);
            for (int port = registration.BasePort; port < registration.End; port++)
            {
                if (_owners[port] == registration)
                    _owners[port] = Array.FindLast(remaining, r => port >= r.BasePort && port < r.End);
            }
        }
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

    private static PortRegistration Create(ushort basePort, IPortDevice device, string name)
    {
        int count = device.PortCount;
        if (count <= 0 || basePort + count > PortSpace)
            throw new BusConflictException($"device '{name}' at port 0x{basePort:x} with {count} ports does not fit the 64 Ki port space");
        return new PortRegistration(name, basePort, count, device);
    }

    // Caller holds _changeLock.
    private void Add(PortRegistration registration)
    {
        Volatile.Write(ref _registrations, [.. _registrations, registration]);
        for (int port = registration.BasePort; port < registration.End; port++)
            _owners[port] = registration;
    }
    // Caller holds _changeLock.
    private void Retire(string name, long accesses, string range)
        => _unmapped[name] = new UnmappedAccesses((_unmapped.TryGetValue(name, out var earlier) ? earlier.Accesses : 0) + accesses, range);
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
    internal int End => BasePort + Count;
}
