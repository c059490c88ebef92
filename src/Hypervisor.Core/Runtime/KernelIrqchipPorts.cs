using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The ports KVM's in-kernel irqchip and PIT answer without an exit (8259 pair, ELCR, 8254, the PIT's
/// speaker port 0x61). With <c>"irqchip": "kernel"</c> a device plugin there would never see an access,
/// so the machine refuses it, naming the entry.
/// </summary>
public static class KernelIrqchipPorts
{
    private static readonly (ushort First, ushort Last, string Owner)[] Ranges =
    [
        (0x20, 0x21, "the master 8259"),
        (0x40, 0x43, "the 8254 PIT"),
        (0x61, 0x61, "the PIT's speaker port"),
        (0xa0, 0xa1, "the slave 8259"),
        (0x4d0, 0x4d1, "the 8259 ELCR"),
    ];

    /// <summary>One problem per device entry that claims an in-kernel port.</summary>
    public static IEnumerable<string> Conflicts(MachineDevices devices)
    {
        foreach (var registration in devices.Ports.Registrations)
        {
            int first = registration.BasePort, last = registration.BasePort + registration.Count - 1;
            foreach (var (lo, hi, owner) in Ranges)
            {
                if (first > hi || last < lo)
                    continue;
                var entry = devices.OwnerOf(registration.Name);
                yield return $"{entry?.Config.JsonPath ?? registration.Name}: '{registration.Name}' (ports {registration.Range}) sits on {owner}, " +
                    "which \"irqchip\": \"kernel\" emulates inside KVM; remove the entry or use \"irqchip\": \"devices\"";
                break;
            }
        }
    }
}
