using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// The PIIX4 power-management function (8086:7113) at 00:01.3, as on QEMU's <c>-M pc</c>:
/// configuration space only. Finding it, SeaBIOS programs PMBA to 0xb000 and builds its own ACPI
/// tables (RSDP, RSDT, FADT with the PM timer at 0xb008 and SCI 9, DSDT with \_S5), so Linux
/// calibrates its TSC on the PM timer and 'poweroff' reaches S5. The PM registers themselves are
/// the <c>acpi-pm</c> entry's, which the machine file places at 0xb000 (it starts in ACPI mode, so no SMI handshake is needed);
/// PMBA does not move them.
/// </summary>
[Device("piix4-pm", Description = "PIIX4 power-management function (8086:7113) at 00:01.3, configuration space only (the registers are an acpi-pm entry at 0xb000)")]
[DeviceOption("pciAddress", "the function's address on bus 0; needs a pci-host entry", Default = "00:01.3")]
public sealed class Piix4PmDevice(DeviceContext context)
    : ConfigSpaceOnlyFunction(context, Piix3Functions.Piix4Pm(), "00:01.3");
