namespace Hypervisor.Abstractions;

/// <summary>
/// Places regions on the machine's port and MMIO buses while the machine runs, for devices whose
/// guest decides where they decode (PCI BARs; see <see cref="Pci.PciBarRegions"/>). Entries in the
/// machine file are placed by the core and need none of this.
/// <para>
/// A mapping never fails because of an overlap: like QEMU, the newer mapping decodes the
/// addresses it shares with older ones (machine-file devices included), and they decode again
/// when it is unmapped. Safe to call from any thread, typically the vCPU thread whose
/// configuration write moved a BAR.
/// </para>
/// </summary>
public interface IBusMapper
{
    /// <summary>
    /// Maps ports [<paramref name="basePort"/>, basePort + device.PortCount) to <paramref name="device"/>,
    /// which sees offsets from <paramref name="basePort"/>. <paramref name="name"/> shows in logs and
    /// <c>--stats</c>. Throws <see cref="ArgumentException"/> when the range leaves the 64 Ki port space.
    /// </summary>
    IBusRegion MapPorts(ushort basePort, IPortDevice device, string name);

    /// <summary>
    /// Maps [<paramref name="baseAddress"/>, base + device.MmioSize) to <paramref name="device"/>.
    /// RAM wins over MMIO where both claim an address. Throws <see cref="ArgumentException"/> for an
    /// empty or wrapping range.
    /// </summary>
    IBusRegion MapMmio(ulong baseAddress, IMmioDevice device, string name);
}

/// <summary>A region mapped through <see cref="IBusMapper"/>; disposing it unmaps it (twice is harmless).</summary>
public interface IBusRegion : IDisposable
{
    /// <summary>The range it decodes, as logs print it (e.g. <c>ports 0xc000-0xc0ff</c>, <c>MMIO 0xfe000000-0xfe0fffff</c>).</summary>
    string Range { get; }
}

/// <summary>The mapper of a context built without a machine: every call says so.</summary>
public sealed class NoBusMapper : IBusMapper
{
    public static readonly NoBusMapper Instance = new();

    public IBusRegion MapPorts(ushort basePort, IPortDevice device, string name) => throw Unavailable(name);

    public IBusRegion MapMmio(ulong baseAddress, IMmioDevice device, string name) => throw Unavailable(name);

    private static InvalidOperationException Unavailable(string name)
        => new($"'{name}' cannot be mapped: this device context was built without a bus mapper (DeviceContext.Buses)");
}
