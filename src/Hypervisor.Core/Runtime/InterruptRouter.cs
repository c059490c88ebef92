using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Wires device interrupt lines (by IRQ number) to whatever takes them: the machine's interrupt
/// controller device and an I/O APIC beside it (software CPU), or an accelerator's in-kernel irqchip.
/// Until one is attached the levels are only remembered. A line whose device gave a level source
/// (<see cref="IResampledInterruptLine"/>: virtio) is raised through the accelerator's resampled
/// trigger instead (KVM's irqfd) once <see cref="AttachResampled"/> connects it.
/// </summary>
public sealed class InterruptRouter
{
    private const int LineCount = 24;

    private readonly bool[] _levels = new bool[LineCount];
    private readonly AutoResetEvent _changed = new(false);
    private AutoResetEvent[] _vcpuWakes = [];
    private readonly Func<bool>?[] _levelSources = new Func<bool>?[LineCount];
    private readonly IResampledIrq?[] _resampled = new IResampledIrq?[LineCount];
    private Action<int, bool>? _sink;

    /// <summary>Connects the lines to <paramref name="sink"/> (besides any attached before) and replays the current levels.</summary>
    public void Attach(Action<int, bool> sink)
    {
        _sink += sink;
        for (int line = 0; line < LineCount; line++)
        {
            if (_levels[line] && _resampled[line] == null)
                sink(line, true);
        }
    }

    /// <summary>
    /// Moves the lines from <paramref name="old"/> to <paramref name="replacement"/> without replaying
    /// the levels: a swapped-in device takes its predecessor's view of its inputs with its state.
    /// </summary>
    public void Replace(Action<int, bool> old, Action<int, bool> replacement) => _sink = _sink - old + replacement;

    /// <summary>
    /// Connects every line a device gave a level source to <paramref name="vm"/>'s resampled triggers
    /// (before <see cref="Attach"/> of its irqchip, so those lines never go through both), and says in
    /// the log which lines did, or why none could.
    /// </summary>
    public void AttachResampled(IVirtualMachine vm, ILogger logger)
    {
        var wanted = Enumerable.Range(0, LineCount).Where(line => _levelSources[line] != null).ToArray();
        if (wanted.Length == 0)
            return;
        if (vm.ResampledIrqLines is not { } lines)
        {
            logger.Information("IRQ {Lines:l} driven level by level, not through irqfd: {Reason:l}", string.Join(", ", wanted), vm.NoResampledIrqLinesReason);
            return;
        }
        foreach (int line in wanted)
        {
            int number = line;
            // The router's current source, so a swapped-in device's replaces the old one's.
            var resampled = lines.Connect(number, () => Volatile.Read(ref _levelSources[number])?.Invoke() == true);
            Volatile.Write(ref _resampled[number], resampled);
            if (_levels[number])
                resampled.Raise();
        }
        logger.Information("IRQ {Lines:l} raised through irqfd (KVM_IRQFD, resampled at each EOI)", string.Join(", ", wanted));
    }

    /// <summary>The lines raised through resampled triggers, with how often each was raised (for --stats).</summary>
    public IEnumerable<(int Line, long Raises)> ResampledLines()
    {
        for (int line = 0; line < LineCount; line++)
        {
            if (Volatile.Read(ref _resampled[line]) is { } resampled)
                yield return (line, resampled.Raises);
        }
    }

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
        if (Volatile.Read(ref _resampled[number]) is { } resampled)
        {
            // The kernel lowers the line at the guest's EOI and asks the level source again.
            _levels[number] = level;
            if (level)
                resampled.Raise();
            return;
        }
        if (_levels[number] == level)
            return;
        _levels[number] = level;
        _sink?.Invoke(number, level);
        Wake();
        Changed?.Invoke();
    }

    private sealed class RoutedLine(InterruptRouter router, int number) : IResampledInterruptLine
    {
        public int Number => number;

        public void Set(bool level) => router.Set(number, level);

        public void UseLevelSource(Func<bool> level) => Volatile.Write(ref router._levelSources[number], level);
    }
}
