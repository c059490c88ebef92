using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Checks the machine's interrupt lines once every device is built (so entry order does not
/// matter): an ISA line is driven by one device, and a line written in the machine file must reach
/// an interrupt controller. A type's default line on a machine without a controller is simply
/// left unconnected (a UART used by polling).
/// </summary>
internal static class InterruptWiring
{
    /// <summary>
    /// <paramref name="complete"/> is false when some entries failed to build: a missing controller
    /// may then be one of them, so only lines shared by built devices are judged.
    /// </summary>
    public static IEnumerable<string> Problems(IReadOnlyList<DeviceInstance> devices, bool hasController, IrqchipMode irqchip, bool complete = true)
    {
        bool delivered = hasController || irqchip == IrqchipMode.Kernel;
        if (!delivered && !complete)
            yield break;
        if (!delivered)
        {
            foreach (var d in devices.Where(d => d.Config.Irq != null))
                yield return $"{d.Config.JsonPath}.irq: IRQ {d.Config.Irq} goes nowhere: the machine has no interrupt controller " +
                    "(add { \"type\": \"i8259\" }, use \"irqchip\": \"kernel\" on KVM, or drop \"irq\")";
            yield break;
        }
        foreach (var line in devices.Where(d => d.Irq != null).GroupBy(d => d.Irq!.Value))
        {
            var drivers = line.ToList();
            for (int i = 1; i < drivers.Count; i++)
            {
                var d = drivers[i];
                string at = d.Config.Irq != null ? $"{d.Config.JsonPath}.irq" : $"{d.Config.JsonPath} (default irq {line.Key})";
                yield return $"{at}: IRQ {line.Key} is already driven by '{drivers[0].Config.Name}' ({drivers[0].Config.JsonPath}); " +
                    "an ISA line has one device: give this one a free line with \"irq\"";
            }
        }
    }
}
