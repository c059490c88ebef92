using Hypervisor.Abstractions;

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
public sealed class Piix3IsaDevice(DeviceContext context)
    : ConfigSpaceOnlyFunction(context, Piix3Functions.IsaBridge(), "00:01.0")
{
    public override void Reset()
    {
        base.Reset();
        Config.Set32(Piix3Functions.PirqRoute, 0x8080_8080);
    }
}
