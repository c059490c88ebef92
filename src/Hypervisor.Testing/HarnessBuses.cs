using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>
/// The test kit's <see cref="IBusMapper"/>: keeps the regions a device maps at run time (PCI BARs)
/// and routes guest-physical accesses to them, so a test can program a BAR through configuration
/// space and then talk to the device at the address it chose. Overlaps follow the machine's rule:
/// the newest region decodes. Unmapped accesses read all ones, like the machine's buses.
/// </summary>
public sealed class HarnessBuses : IBusMapper
{
    private readonly object _lock = new();
    private readonly List<Region> _regions = [];

    /// <summary>What is mapped now, oldest first, as <c>"NAME ports 0x..-0x.."</c> or <c>"NAME MMIO 0x..-0x.."</c>.</summary>
    public IReadOnlyList<string> Mapped
    {
        get
        {
            lock (_lock)
                return _regions.Select(r => $"{r.Name} {r.Range}").ToArray();
        }
    }

    public IBusRegion MapPorts(ushort basePort, IPortDevice device, string name)
    {
        if (device.PortCount <= 0 || basePort + device.PortCount > 0x10000)
            throw new ArgumentException($"'{name}' at port 0x{basePort:x} with {device.PortCount} ports does not fit the 64 Ki port space");
        return Add(new Region(this, name, device, basePort, (ulong)device.PortCount, isPorts: true));
    }

    public IBusRegion MapMmio(ulong baseAddress, IMmioDevice device, string name)
    {
        if (device.MmioSize == 0 || baseAddress + device.MmioSize <= baseAddress)
            throw new ArgumentException($"'{name}' at 0x{baseAddress:x} has an empty or wrapping MMIO range");
        return Add(new Region(this, name, device, baseAddress, device.MmioSize, isPorts: false));
    }

    /// <summary>A guest load at guest physical <paramref name="address"/>.</summary>
    public ulong ReadMmio(ulong address, int size)
        => Find(address, ports: false) is { } r ? ((IMmioDevice)r.Device).Read(address - r.Base, size) : AllOnes(size);

    /// <summary>A guest store at guest physical <paramref name="address"/>.</summary>
    public void WriteMmio(ulong address, int size, ulong value)
    {
        if (Find(address, ports: false) is { } r)
            ((IMmioDevice)r.Device).Write(address - r.Base, size, value);
    }

    /// <summary>A guest IN at <paramref name="port"/>.</summary>
    public uint In(ushort port, int size)
        => Find(port, ports: true) is { } r ? ((IPortDevice)r.Device).Read((ushort)(port - r.Base), size) : (uint)AllOnes(size);

    /// <summary>A guest OUT at <paramref name="port"/>.</summary>
    public void Out(ushort port, int size, uint value)
    {
        if (Find(port, ports: true) is { } r)
            ((IPortDevice)r.Device).Write((ushort)(port - r.Base), size, value);
    }

    private static ulong AllOnes(int size) => size >= 8 ? ulong.MaxValue : (1UL << (8 * size)) - 1;

    private Region Add(Region region)
    {
        lock (_lock)
            _regions.Add(region);
        return region;
    }

    private Region? Find(ulong address, bool ports)
    {
        lock (_lock)
            return _regions.LastOrDefault(r => r.IsPorts == ports && address >= r.Base && address - r.Base < r.Size);
    }

    private sealed class Region(HarnessBuses owner, string name, IDevice device, ulong baseAddress, ulong size, bool isPorts) : IBusRegion
    {
        public string Name { get; } = name;
        public IDevice Device { get; } = device;
        public ulong Base { get; } = baseAddress;
        public ulong Size { get; } = size;
        public bool IsPorts { get; } = isPorts;
        public string Range => IsPorts ? $"ports 0x{Base:x}-0x{Base + Size - 1:x}" : $"MMIO 0x{Base:x}-0x{Base + Size - 1:x}";

        public void Dispose()
        {
            lock (owner._lock)
                owner._regions.Remove(this);
        }
    }
}
