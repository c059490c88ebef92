using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// The PIIX3's PCI-to-ISA bridge function (8086:7000) at 00:01.0, multi-function so that SeaBIOS
/// and Linux go on to scan the IDE function at 00:01.1. Its registers are configuration space
/// only: the ISA devices behind it are the machine's other entries, and the PIRQ route registers
/// firmware programs hold their values without routing anything (PCI INTx lines are wired by the
/// machine file's <c>irq</c>).
/// </summary>
[Device("piix3-isa", Description = "PIIX3 PCI-to-ISA bridge function (8086:7000) at 00:01.0, multi-function")]
[DeviceOption("pciAddress", "the function's address on bus 0; needs a pci-host entry", Default = "00:01.0")]
public sealed class Piix3IsaDevice : IDevice
{
    private readonly PciBus _bus;

    public Piix3IsaDevice(DeviceContext context)
    {
        Config = Piix3Functions.IsaBridge();
        _bus = context.Pci;
        Address = Piix3Functions.AddAt(context, Config, "00:01.0");
    }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space.</summary>
    public PciConfigSpace Config { get; }

    public void Reset()
    {
        Config.Reset();
        Config.Set32(Piix3Functions.PirqRoute, 0x8080_8080);
    }

    public void Dispose() => _bus.Remove(Address);
}
