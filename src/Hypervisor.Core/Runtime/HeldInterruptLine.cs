using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// An interrupt line that holds back what a device drives until <see cref="Release"/>: a swapped-in
/// instance's constructor drives its line to power-on levels before it loads the old instance's
/// state, and an edge-triggered controller must not see that dip as an interrupt. On release the
/// last level goes through (the same level the old instance held, so usually nothing changes).
/// </summary>
public sealed class HeldInterruptLine(IInterruptLine inner) : IResampledInterruptLine
{
    private readonly object _lock = new();
    private bool _held = true;
    private bool? _pending;

    public int Number => inner.Number;

    public void Set(bool level)
    {
        lock (_lock)
        {
            if (_held)
            {
                _pending = level;
                return;
            }
        }
        inner.Set(level);
    }

    /// <summary>The new instance's level source replaces the old one's where the line is resampled.</summary>
    public void UseLevelSource(Func<bool> level) => (inner as IResampledInterruptLine)?.UseLevelSource(level);

    /// <summary>From now on levels go straight through; the last one held back goes first.</summary>
    public void Release()
    {
        bool? level;
        lock (_lock)
        {
            _held = false;
            level = _pending;
        }
        if (level is { } last)
            inner.Set(last);
    }
}
