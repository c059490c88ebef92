using Microsoft.Extensions.Configuration;
using Serilog;

namespace Hypervisor.Abstractions;

/// <summary>
/// Everything a device gets from the machine when it is built: its options, a logger, its
/// interrupt line, a host character backend, guest memory, the clock, its further windows, the buses
/// (for regions that move at run time), the machine's services (PCI bus, A20 gate) and the VM's
/// controls (stop, reset). Services are per machine: two machines in one process share nothing.
/// </summary>
public sealed class DeviceContext
{
    /// <summary>The entry's name (e.g. <c>com1</c>), defaulting to its type.</summary>
    public required string Name { get; init; }

    /// <summary>The entry's <c>"options"</c> object. Empty when the entry has none.</summary>
    public required IConfiguration Options { get; init; }

    /// <summary>A logger already tagged with the device's name.</summary>
    public required ILogger Logger { get; init; }

    /// <summary>
    /// The first port of the device's main range (the entry's <c>"ports"</c>, or the type's default), or null when it has none. Devices
    /// see offsets; this is for messages and logs that should name the guest-visible port.
    /// </summary>
    public ushort? PortBase { get; init; }

    /// <summary>The first address of the device's MMIO range (the entry's <c>"mmio"</c> or the type's default), or null.</summary>
    public ulong? MmioBase { get; init; }

    /// <summary>The folder relative paths in options resolve against: the machine file's folder.</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The entry's <c>"irq"</c> line (or the type's default), or a disconnected line.</summary>
    public IInterruptLine Irq { get; init; } = DisconnectedInterruptLine.Instance;

    /// <summary>Guest physical memory for DMA.</summary>
    public required IGuestMemory Memory { get; init; }

    /// <summary>The machine's clock.</summary>
    public required IClock Clock { get; init; }

    /// <summary>
    /// Maps and unmaps regions on the port and MMIO buses while the machine runs (PCI BARs). The
    /// machine and the device test kit provide one; a bare context has <see cref="NoBusMapper"/>.
    /// </summary>
    public IBusMapper Buses { get; init; } = NoBusMapper.Instance;

    /// <summary>
    /// Where the device supplies the handlers of the further windows its type declares with
    /// <see cref="DeviceWindowAttribute"/>. A bare context refuses every window.
    /// </summary>
    public IDeviceWindows Windows { get; init; } = NoDeviceWindows.Instance;

    /// <summary>The machine's PCI bus: functions are added here; the <c>pci-host</c> answers configuration cycles from it.</summary>
    public required Pci.PciBus Pci { get; init; }

    /// <summary>The machine's A20 gate, driven by the 8042 and port 0x92.</summary>
    public required A20Gate A20 { get; init; }

    /// <summary>
    /// The shadow RAM switches of the memory map (a chipset's PAM registers). A machine without a
    /// firmware image, and a bare context, have <see cref="NoMemoryMap"/>.
    /// </summary>
    public IMemoryMap MemoryMap { get; init; } = NoMemoryMap.Instance;

    /// <summary>The machine's APIC bus (machine-file key <c>"apic": true</c>), or null when the machine has no local APICs.</summary>
    public IApicBus? Apic { get; init; }

    /// <summary>Doorbells the accelerator can catch without a vCPU exit (<see cref="IIoEvents"/>), or null for a bare context.</summary>
    public IIoEvents? IoEvents { get; init; }

    /// <summary>Stop or reset the machine.</summary>
    public required IVmControl Vm { get; init; }

    /// <summary>
    /// Opens the host character backend described by the option named by the first argument
    /// (<c>"stdio"</c>, <c>"null"</c>, <c>"file:PATH"</c>, <c>"tcp:127.0.0.1:PORT[,nowait]"</c>,
    /// <c>"unix:PATH"</c>), with the second argument as the spec when the option is absent.
    /// Throws <see cref="DeviceConfigurationException"/> when it cannot be opened.
    /// </summary>
    public required Func<string, string, ICharBackend> OpenBackend { get; init; }
}
