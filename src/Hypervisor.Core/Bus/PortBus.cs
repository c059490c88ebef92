using Hypervisor.Abstractions;

namespace Hypervisor.Core.Bus;

/// <summary>
/// The x86 I/O port space: 64 Ki ports, each decoded by at most one device. A direct table gives
/// O(1) dispatch. Unclaimed ports behave like an empty ISA bus: reads return all ones, writes
/// are dropped, and both are counted.
/// <para>
/// <see cref="Register"/> is for the machine file's entries and their windows (an overlap is a
/// configuration error); <see cref="Map"/> for regions a guest moves while it runs (PCI I/O BARs),
/// on top of earlier claims — QEMU's rule (pci.c adds BARs at priority 1, above the ISA devices,
/// and among equal priorities the newer region is on top). The bookkeeping is
/// <see cref="DeviceBus{TDevice, TRegistration}"/>'s; this class keeps the table.
/// </para>
/// <para>
/// Threads: a table slot holds a reference, which .NET writes atomically, so a concurrent access
/// sees the old or the new owner of its port, never a torn one. A remap is thus not atomic across a
/// region's ports — which only a guest racing its own BAR write with accesses to that BAR from
/// another vCPU could notice; real hardware gives no guarantee there either.
/// </para>
/// </summary>
public sealed class PortBus : DeviceBus<IPortDevice, PortRegistration>
{
    private const int PortSpace = 0x10000;

    private readonly PortRegistration?[] _owners = new PortRegistration?[PortSpace];

    protected override string Kind => "ports";

    /// <summary>
    /// Claims ports [<paramref name="basePort"/>, basePort + device.PortCount) for <paramref name="device"/>.
    /// Throws <see cref="BusConflictException"/> naming both devices when any port is taken.
    /// </summary>
    public PortRegistration Register(ushort basePort, IPortDevice device, string name) => Register(Create(basePort, device, name));

    /// <summary>
    /// Maps ports for a region that moves at run time, above any earlier claim. Throws
    /// <see cref="BusConflictException"/> only when the range does not fit the port space.
    /// </summary>
    public PortRegistration Map(ushort basePort, IPortDevice device, string name) => Map(Create(basePort, device, name));

    /// <summary>Gives <paramref name="old"/>'s ports to <paramref name="device"/> (a swapped device plugin); it must claim as many.</summary>
    public PortRegistration Replace(PortRegistration old, IPortDevice device) => Replace(old, Create(old.BasePort, device, old.Name));

    /// <summary>The device decoding <paramref name="port"/>, or null.</summary>
    public PortRegistration? Find(ushort port) => _owners[port];

    /// <summary>A guest IN of <paramref name="size"/> bytes.</summary>
    public uint Read(ushort port, int size)
    {
        var owner = _owners[port];
        if (owner == null)
        {
            Unclaimed(port, size, write: false);
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
            Unclaimed(port, size, write: true);
            return;
        }
        owner.Accesses++;
        owner.Device.Write((ushort)(port - owner.BasePort), size, value);
    }

    protected override string ConflictDetail(PortRegistration registration, PortRegistration other)
        => $" at port 0x{Math.Max(registration.Base, other.Base):x}";

    // Only the changed region's ports move: each goes to the newest claim covering it, or to nobody.
    protected override void OnLayoutChanged(PortRegistration[] registrations, PortRegistration? added, PortRegistration? removed)
    {
        if (added != null)
        {
            for (int port = added.BasePort; port < added.BasePort + added.Count; port++)
                _owners[port] = added;
        }
        if (removed != null)
        {
            for (int port = removed.BasePort; port < removed.BasePort + removed.Count; port++)
            {
                if (_owners[port] == removed)
                    _owners[port] = Array.FindLast(registrations, r => (ulong)port >= r.Base && (ulong)port < r.End);
            }
        }
    }

    protected override void OnReplaced(PortRegistration[] registrations, PortRegistration old, PortRegistration replacement)
    {
        for (int port = old.BasePort; port < old.BasePort + old.Count; port++)
        {
            if (_owners[port] == old)
                _owners[port] = replacement;
        }
    }

    private static PortRegistration Create(ushort basePort, IPortDevice device, string name)
    {
        int count = device.PortCount;
        if (count <= 0 || basePort + count > PortSpace)
            throw new BusConflictException($"device '{name}' at port 0x{basePort:x} with {count} ports does not fit the 64 Ki port space");
        return new PortRegistration(name, basePort, count, device);
    }
}

/// <summary>One device's claim on the port bus.</summary>
public sealed class PortRegistration(string name, ushort basePort, int count, IPortDevice device)
    : BusRegistration<IPortDevice>(name, basePort, (ulong)count, device)
{
    public ushort BasePort => (ushort)Base;
    public int Count => (int)Size;
    public override string Range => Count == 1 ? $"0x{BasePort:x}" : base.Range;
}
