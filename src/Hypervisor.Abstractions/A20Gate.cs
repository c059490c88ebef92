namespace Hypervisor.Abstractions;

/// <summary>
/// The machine's A20 gate (<see cref="DeviceContext.A20"/>): address line 20 passes when either
/// the keyboard controller's output port bit 1 or port 0x92 bit 1 enables it (the two inputs are
/// ORed, as on Intel chipsets). The keyboard controller's input starts enabled, as its output port
/// powers on. The machine forwards every change to the vCPUs (the software CPU masks address bit 20
/// while the gate is off). Thread-safe.
/// </summary>
public sealed class A20Gate
{
    private readonly object _lock = new();
    private bool _keyboardController = true;
    private bool _fast;

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

    /// <summary>The 8042 output port's A20 bit. Returns true when the gate's state changed.</summary>
    public bool SetKeyboardController(bool enabled) => Set(ref _keyboardController, enabled);

    /// <summary>Port 0x92's "fast A20" bit. Returns true when the gate's state changed.</summary>
    public bool SetFast(bool enabled) => Set(ref _fast, enabled);

    private bool Set(ref bool input, bool enabled)
    {
        bool before, after;
        lock (_lock)
        {
            before = _keyboardController || _fast;
            input = enabled;
            after = _keyboardController || _fast;
        }
        if (before == after)
            return false;
        Changed?.Invoke(after);
        return true;
    }
}
