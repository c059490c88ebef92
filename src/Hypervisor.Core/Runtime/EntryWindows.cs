using Hypervisor.Abstractions;
using Hypervisor.Core.Plugins;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// One entry's <see cref="IDeviceWindows"/>: records the handlers its device supplies for the
/// windows its type declares, each at the base the entry's <c>"windows"</c> gives or the declared
/// default. The machine (or the device test kit) places them on the buses once the device is built.
/// </summary>
public sealed class EntryWindows(DeviceType type, string deviceName, IReadOnlyDictionary<string, ulong> bases) : IDeviceWindows
{
    private readonly List<SuppliedWindow> _supplied = [];

    /// <summary>The windows supplied so far, in order.</summary>
    public IReadOnlyList<SuppliedWindow> Supplied => _supplied;

    /// <summary>Windows the type declares but its device did not supply (a plugin bug).</summary>
    public IEnumerable<string> Missing => type.Windows.Select(w => w.Name).Where(name => _supplied.All(s => s.Declaration.Name != name));

    public ushort AddPorts(string window, IPortDevice handler)
        => (ushort)Add(window, handler, ports: true);

    public ulong AddMmio(string window, IMmioDevice handler)
        => Add(window, handler, ports: false);

    private ulong Add(string window, IDevice handler, bool ports)
    {
        var declaration = type.Windows.FirstOrDefault(w => w.Name == window)
            ?? throw new InvalidOperationException($"device type '{type.Name}' supplies window '{window}' but declares no [DeviceWindow(\"{window}\")]");
        if (declaration.IsPorts != ports)
            throw new InvalidOperationException($"window '{window}' of device type '{type.Name}' is declared as {(declaration.IsPorts ? "a port" : "an MMIO")} window");
        if (_supplied.Any(s => s.Declaration.Name == window))
            throw new InvalidOperationException($"device type '{type.Name}' supplies window '{window}' twice");
        ulong address = bases.TryGetValue(window, out var moved) ? moved : ports ? (ulong)declaration.Port : declaration.Mmio;
        _supplied.Add(new SuppliedWindow(declaration, $"{deviceName}.{window}", address, handler, bases.ContainsKey(window)));
        return address;
    }
}

/// <summary>A window a device supplied: its declaration, its name on the buses (<c>pic.slave</c>), where it goes and its handler.</summary>
public sealed record SuppliedWindow(DeviceWindowAttribute Declaration, string RegionName, ulong Base, IDevice Handler, bool Moved);
