using System.Runtime.CompilerServices;
using Hypervisor.Abstractions;
using Serilog;

namespace MiniVmm.Devices.Keyboard;

/// <summary>
/// The A20 gate: address line 20 passes when either the keyboard controller's output port bit 1 or
/// port 0x92 bit 1 enables it (the two inputs are ORed, as on Intel chipsets). One per machine,
/// shared by <c>i8042</c> and <c>port92</c>. Every change goes to the machine
/// (<see cref="IVmControl.SetA20"/>), where the software CPU masks address bit 20 while it is off.
/// </summary>
public sealed class A20Gate
{
    private static readonly ConditionalWeakTable<IVmControl, A20Gate> Gates = new();

    private readonly object _lock = new();
    private bool _keyboardController = true;
    private bool _fast;

    /// <summary>The machine's gate.</summary>
    public static A20Gate For(DeviceContext context) => Gates.GetValue(context.Vm, vm =>
    {
        var gate = new A20Gate();
        gate.Changed += vm.SetA20;
        return gate;
    });

    /// <summary>True when address line 20 passes.</summary>
    public bool Enabled
    {
        get
        {
            lock (_lock)
                return _keyboardController || _fast;
        }
    }

    /// <summary>Raised (outside the lock) with the new state when <see cref="Enabled"/> changes.</summary>
    public event Action<bool>? Changed;

    public void SetKeyboardController(bool enabled, ILogger logger) => Set(ref _keyboardController, enabled, logger, "keyboard controller");

    public void SetFast(bool enabled, ILogger logger) => Set(ref _fast, enabled, logger, "port 0x92");

    private void Set(ref bool input, bool enabled, ILogger logger, string source)
    {
        bool before, after;
        lock (_lock)
        {
            before = _keyboardController || _fast;
            input = enabled;
            after = _keyboardController || _fast;
        }
        if (before == after)
            return;
        logger.Debug("A20 gate {State} by the {Source}", after ? "enabled" : "disabled", source);
        Changed?.Invoke(after);
    }
}
