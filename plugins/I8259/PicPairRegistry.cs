using System.Runtime.CompilerServices;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The one <see cref="PicPair"/> of each machine, shared by the entries that expose its ports
/// (<c>i8259</c> at 0x20, <c>i8259-slave-ports</c> at 0xa0, <c>i8259-elcr</c> at 0x4d0). A machine
/// is identified by its <see cref="IVmControl"/>, which every device of one machine shares; the
/// table holds it weakly, so a finished machine's pair goes with it. Whichever entry is built first
/// creates the pair, so their order in the machine file does not matter.
/// </summary>
public static class PicPairRegistry
{
    private static readonly ConditionalWeakTable<IVmControl, PicPair> Pairs = new();

    public static PicPair For(DeviceContext context) => Pairs.GetValue(context.Vm, _ => new PicPair());
}
