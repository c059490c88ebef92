using System.Runtime.CompilerServices;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Keyboard;

/// <summary>
/// The one 8042 of each machine, shared by the <c>i8042</c> entry (status/command, 0x64, which owns
/// the interrupt line) and the <c>i8042-data</c> entry (0x60). A machine is identified by its
/// <see cref="IVmControl"/>, held weakly. The <c>i8042</c> entry must come first.
/// </summary>
public static class KeyboardControllerRegistry
{
    private static readonly ConditionalWeakTable<IVmControl, KeyboardController> Controllers = new();

    public static KeyboardController Register(DeviceContext context)
    {
        var controller = new KeyboardController(context.Irq, context.Vm, A20Gate.For(context), context.Logger);
        Controllers.AddOrUpdate(context.Vm, controller);
        return controller;
    }

    public static KeyboardController Find(DeviceContext context)
        => Controllers.TryGetValue(context.Vm, out var controller)
            ? controller
            : throw new DeviceConfigurationException("", "needs an i8042 entry (the status/command port, 0x64) earlier in the machine file");
}
