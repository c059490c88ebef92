namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// The PCI functions of one machine, by address (<see cref="DeviceContext.Pci"/>). A device plugin
/// adds its function here from its constructor (<c>PciBus.AddAt(context, function)</c> or
/// <c>context.Pci.Add(address, function, context.Name)</c>); the <c>pci-host</c> device answers
/// configuration cycles from it. The machine creates the bus before any device, so the order of
/// the entries in the machine file does not matter. Thread-safe.
/// </summary>
public sealed class PciBus
{
    private readonly object _lock = new();
    private readonly Dictionary<PciAddress, (IPciFunction Function, string Owner)> _functions = [];

    /// <summary>
    /// The device that answers configuration cycles (the <c>pci-host</c> entry), or null. The machine
    /// refuses functions on a bus without one: the guest could never find them.
    /// </summary>
    public string? HostOwner { get; private set; }

    /// <summary>Records <paramref name="owner"/> as the device that reaches this bus from the CPU.</summary>
    public void AttachHost(string owner)
    {
        lock (_lock)
            HostOwner ??= owner;
    }

    /// <summary>
    /// Places <paramref name="function"/> at <paramref name="address"/>. Throws
    /// <see cref="DeviceConfigurationException"/> naming both devices when the address is taken.
    /// </summary>
    public void Add(PciAddress address, IPciFunction function, string owner)
    {
        lock (_lock)
        {
            if (_functions.TryGetValue(address, out var other))
                throw new DeviceConfigurationException("", $"PCI address {address} is already taken by '{other.Owner}'");
            _functions[address] = (function, owner);
        }
    }

    /// <summary>
    /// Adds <paramref name="function"/> where the entry's option <paramref name="option"/> says, written
    /// as lspci prints it (<c>"pciAddress": "00:04.0"</c>), and returns that address. The address is
    /// explicit in the machine file on purpose: a guest (or a conformance run under QEMU with
    /// <c>-device edu,addr=4</c>) finds the function in the same slot every time. Only bus 0 exists.
    /// A chip with a fixed place on the board (the PIIX functions at 00:01) passes it as
    /// <paramref name="standardAddress"/>, which an entry without the option gets.
    /// Throws <see cref="DeviceConfigurationException"/> naming the option when it is absent (and there
    /// is no standard address), malformed, off bus 0 or taken.
    /// </summary>
    public static PciAddress AddAt(DeviceContext context, IPciFunction function, string option = "pciAddress", string? standardAddress = null)
    {
        string? text = context.Options[option];
        if (string.IsNullOrWhiteSpace(text))
            text = standardAddress;
        if (string.IsNullOrWhiteSpace(text))
            throw new DeviceConfigurationException(option, "needs the function's PCI address on bus 0, e.g. \"00:04.0\" (00:00.0 is the host bridge)");
        if (!PciAddress.TryParse(text, out var address))
            throw new DeviceConfigurationException(option, $"'{text}' is not a PCI address BB:DD.F (hexadecimal bus and device 00-1f, function 0-7), e.g. \"00:04.0\"");
        if (address.Bus != 0)
            throw new DeviceConfigurationException(option, $"'{text}' is on bus {address.Bus:x2}; only bus 00 exists (there are no PCI-to-PCI bridges)");
        try
        {
            context.Pci.Add(address, function, context.Name);
        }
        catch (DeviceConfigurationException taken)
        {
            throw new DeviceConfigurationException(option, taken.Message);
        }
        return address;
    }

    /// <summary>Removes the function at <paramref name="address"/> (a device being disposed).</summary>
    public void Remove(PciAddress address)
    {
        lock (_lock)
            _functions.Remove(address);
    }

    /// <summary>The function at <paramref name="address"/>, or null (configuration reads then return all ones).</summary>
    public IPciFunction? Find(PciAddress address)
    {
        lock (_lock)
            return _functions.TryGetValue(address, out var entry) ? entry.Function : null;
    }

    /// <summary>Every function with its address and owner, in address order (for diagnostics).</summary>
    public IReadOnlyList<(PciAddress Address, string Owner)> Functions
    {
        get
        {
            lock (_lock)
                return _functions.OrderBy(f => (f.Key.Bus, f.Key.Device, f.Key.Function)).Select(f => (f.Key, f.Value.Owner)).ToArray();
        }
    }
}
