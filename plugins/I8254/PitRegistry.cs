using System.Runtime.CompilerServices;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>
/// The one 8254 of each machine, shared by the <c>i8254</c> entry (0x40) and the
/// <c>pc-speaker-port</c> entry (0x61). A machine is identified by its <see cref="IVmControl"/>; the
/// table holds it weakly. The <c>i8254</c> entry creates the timer with its own interrupt line, so it
/// must come first in the machine file; the port 0x61 entry says so when it does not.
/// </summary>
public static class PitRegistry
{
    private static readonly ConditionalWeakTable<IVmControl, Pit8254> Timers = new();

    public static Pit8254 Register(DeviceContext context)
    {
        var pit = new Pit8254(context.Clock, context.Irq);
        Timers.AddOrUpdate(context.Vm, pit);
        return pit;
    }

    public static Pit8254 Find(DeviceContext context)
        => Timers.TryGetValue(context.Vm, out var pit)
            ? pit
            : throw new DeviceConfigurationException("", "needs an i8254 entry earlier in the machine file (port 0x61 reads and gates its channel 2)");
}
