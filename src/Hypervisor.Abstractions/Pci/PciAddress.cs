namespace Hypervisor.Abstractions.Pci;

/// <summary>A PCI function's bus, device (0-31) and function (0-7) numbers, written <c>00:1f.3</c>.</summary>
public readonly record struct PciAddress(byte Bus, byte Device, byte Function)
{
    public const int Devices = 32;
    public const int Functions = 8;

    /// <summary>Parses <c>BB:DD.F</c> (hexadecimal bus and device, as lspci prints them).</summary>
    public static bool TryParse(string text, out PciAddress address)
    {
        address = default;
        string[] busRest = text.Trim().Split(':');
        if (busRest.Length != 2)
            return false;
        string[] deviceFunction = busRest[1].Split('.');
        if (deviceFunction.Length != 2
            || !byte.TryParse(busRest[0], System.Globalization.NumberStyles.HexNumber, null, out byte bus)
            || !byte.TryParse(deviceFunction[0], System.Globalization.NumberStyles.HexNumber, null, out byte device)
            || !byte.TryParse(deviceFunction[1], out byte function)
            || device >= Devices || function >= Functions)
            return false;
        address = new PciAddress(bus, device, function);
        return true;
    }

    public override string ToString() => $"{Bus:x2}:{Device:x2}.{Function}";
}
