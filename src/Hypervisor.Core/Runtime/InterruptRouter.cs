using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Wires device interrupt lines (by IRQ number) to whatever takes them: the machine's interrupt
/// controller device and an I/O APIC beside it (software CPU), or an accelerator's in-kernel irqchip.
/// Until one is attached the levels are only remembered.
/// </summary>
public sealed class InterruptRouter
{
    private const int LineCount = 24;

    private readonly bool[] _levels = new bool[LineCount];
    private readonly AutoResetEvent _changed = new(false);
    private AutoResetEvent[] _vcpuWakes = [];
    private Action<int, bool>? _sink;

    /// <summary>Connects the lines to <paramref name="sink"/> (besides any attached before) and replays the current levels.</summary>
    public void Attach(Action<int, bool> sink)
    {
        _sink += sink;
        for (int line = 0; line < LineCount; line++)
        {
            if (_levels[line])
                sink(line, true);
        }
    }

    /// <summary>
    /// Moves the lines from <paramref name="old"/> to <paramref name="replacement"/> without replaying
    /// the levels: a swapped-in device takes its predecessor's view of its inputs with its state.
    /// </summary>
    public void Replace(Action<int, bool> old, Action<int, bool> replacement) => _sink = _sink - old + replacement;

    public IInterruptLine Line(int number) => new RoutedLine(this, number);

    /// <summary>Set whenever a line changes level: wakes a vCPU halted waiting for an interrupt.</summary>
    public WaitHandle LineChanged => _changed;

    /// <summary>
    /// A wake-up of one vCPU's own, set with <see cref="LineChanged"/> on every change: with several
    /// vCPUs halted each must wake (one shared auto-reset event would wake only one of them).
    /// </summary>
    public WaitHandle CreateVcpuWake()
    {
        var wake = new AutoResetEvent(false);
        lock (_changed)
            _vcpuWakes = [.. _vcpuWakes, wake];
        return wake;
    }

    /// <summary>Wakes the vCPUs halted waiting for an interrupt that came another way (a local APIC's timer or an IPI).</summary>
    public void Wake()
    {
        _changed.Set();
        foreach (var wake in Volatile.Read(ref _vcpuWakes))
            wake.Set();
    }

    /// <summary>Raised (on the device's thread) after a line changed level: kicks vCPUs that cannot poll INTR.</summary>
    public event Action? Changed;

    private void Set(int number, bool level)
    {
        if (_levels[number] == level)
            return;
        _levels[number] = level;
        _sink?.Invoke(number, level);
        Wake();
        Changed?.Invoke();
    }

    private sealed class RoutedLine(InterruptRouter router, int number) : IInterruptLine
    {
        public int Number => number;

        public void Set(bool level) => router.Set(number, level);
    }
}
