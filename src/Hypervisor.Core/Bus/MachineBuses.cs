using Hypervisor.Abstractions;
using Serilog;

namespace Hypervisor.Core.Bus;

/// <summary>
/// The machine's <see cref="IBusMapper"/>: maps the regions devices move at run time (PCI BARs)
/// onto its <see cref="PortBus"/> and <see cref="MmioBus"/>. An overlap is allowed (the newer
/// region decodes, as under QEMU) but logged as a warning naming what it hides, since a guest
/// rarely means it.
/// </summary>
public sealed class MachineBuses(PortBus ports, MmioBus mmio, ILogger logger) : IBusMapper
{
    public IBusRegion MapPorts(ushort basePort, IPortDevice device, string name)
    {
        if (device.PortCount <= 0 || basePort + device.PortCount > 0x10000)
            throw new ArgumentException($"'{name}' at port 0x{basePort:x} with {device.PortCount} ports does not fit the 64 Ki port space");
        var hidden = ports.Registrations.Where(r => basePort < r.BasePort + r.Count && r.BasePort < basePort + device.PortCount).ToArray();
        var registration = ports.Map(basePort, device, name);
        var region = new Region($"ports {registration.Range}", () => ports.Unregister(registration));
        Report(name, region, hidden.Select(r => $"'{r.Name}' (ports {r.Range})"));
        return region;
    }

    public IBusRegion MapMmio(ulong baseAddress, IMmioDevice device, string name)
    {
        ulong size = device.MmioSize;
        if (size == 0 || baseAddress + size <= baseAddress)
            throw new ArgumentException($"'{name}' at 0x{baseAddress:x} has an empty or wrapping MMIO range (size 0x{size:x})");
        var hidden = mmio.Registrations.Where(r => baseAddress < r.End && r.Base < baseAddress + size).ToArray();
        var registration = mmio.Map(baseAddress, device, name);
        var region = new Region($"MMIO {registration.Range}", () => mmio.Unregister(registration));
        Report(name, region, hidden.Select(r => $"'{r.Name}' (MMIO {r.Range})"));
        return region;
    }

    private void Report(string name, Region region, IEnumerable<string> hidden)
    {
        string over = string.Join(", ", hidden);
        if (over.Length > 0)
            logger.Warning("{Name} mapped at {Range} over {Hidden}, which it hides until it moves", name, region.Range, over);
        else
            logger.Debug("{Name} mapped at {Range}", name, region.Range);
    }

    private sealed class Region(string range, Action unmap) : IBusRegion
    {
        private Action? _unmap = unmap;

        public string Range { get; } = range;

        public void Dispose() => Interlocked.Exchange(ref _unmap, null)?.Invoke();
    }
}
