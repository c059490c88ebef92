namespace Hypervisor.Abstractions;

/// <summary>
/// Where a device supplies the handlers of the windows it declares with
/// <see cref="DeviceWindowAttribute"/>, from its constructor:
/// <code>
/// [Device("i8259", Port = 0x20)]
/// [DeviceWindow("slave", Port = 0xa0)]
/// public I8259Device(DeviceContext context) { context.Windows.AddPorts("slave", new SlavePorts(_pair)); }
/// </code>
/// The machine places every window when the device is built (an overlap is a machine-file error
/// naming the entry and the window), so a window needs no entry of its own. Each declared window
/// must be supplied once.
/// </summary>
public interface IDeviceWindows
{
    /// <summary>
    /// Supplies the handler of port window <paramref name="window"/>; it sees offsets from the window's
    /// base, which this returns (for logs). Throws <see cref="InvalidOperationException"/> when the
    /// device type declares no such port window or supplies it twice.
    /// </summary>
    ushort AddPorts(string window, IPortDevice handler);

    /// <summary>Supplies the handler of MMIO window <paramref name="window"/>; returns its base. Throws as <see cref="AddPorts"/>.</summary>
    ulong AddMmio(string window, IMmioDevice handler);
}

/// <summary>The windows of a context built without a machine: every window is refused, saying so.</summary>
public sealed class NoDeviceWindows : IDeviceWindows
{
    public static readonly NoDeviceWindows Instance = new();

    public ushort AddPorts(string window, IPortDevice handler) => throw Unavailable(window);

    public ulong AddMmio(string window, IMmioDevice handler) => throw Unavailable(window);

    private static InvalidOperationException Unavailable(string window)
        => new($"window '{window}' cannot be placed: this device context was built without a machine (DeviceContext.Windows)");
}
