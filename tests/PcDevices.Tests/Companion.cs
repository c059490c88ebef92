using Hypervisor.Abstractions;
using Hypervisor.Testing;

namespace PcDevices.Tests;

/// <summary>
/// Builds a second device of the same machine as a harnessed one (same VM, clock, memory, lines),
/// the way the machine builds the entries of one machine file.
/// </summary>
internal static class Companion
{
    public static TDevice Create<TDevice>(DeviceContext machine, string name, IInterruptLine? irq = null)
        where TDevice : IDevice
    {
        var context = new DeviceContext
        {
            Name = name,
            Options = machine.Options,
            Logger = machine.Logger,
            Irq = irq ?? machine.Irq,
            Memory = machine.Memory,
            Clock = machine.Clock,
            Vm = machine.Vm,
            Buses = machine.Buses,
            BaseDirectory = machine.BaseDirectory,
            OpenBackend = machine.OpenBackend,
        };
        try
        {
            return (TDevice)Activator.CreateInstance(typeof(TDevice), context)!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    public static byte In(this IPortDevice device, int offset) => (byte)device.Read((ushort)offset, 1);

    public static void Out(this IPortDevice device, int offset, byte value) => device.Write((ushort)offset, 1, value);
}
