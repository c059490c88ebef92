using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Runtime;
using Hypervisor.Testing;
using Serilog;
using Xunit;

namespace Hypervisor.Core.Tests.Runtime;

/// <summary>
/// Lines whose device gave a level source (virtio) go through the accelerator's resampled triggers
/// (KVM's irqfd) when it has them, and keep the irqchip's line calls, with a log line, when it has not.
/// </summary>
public sealed class InterruptRouterResampledTests
{
    private readonly InterruptRouter _router = new();
    private readonly List<(int Line, bool Level)> _irqchipCalls = [];
    private readonly LogCapture _log = new();
    private readonly ILogger _logger;

    public InterruptRouterResampledTests() => _logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(_log).CreateLogger();

    [Fact]
    public void A_line_with_a_level_source_is_raised_through_the_trigger_and_never_through_the_irqchip()
    {
        var virtio = (IResampledInterruptLine)_router.Line(5);
        bool level = true;
        virtio.UseLevelSource(() => level);
        virtio.Set(true); // before the VM exists: remembered, then raised on connection
        var lines = new RecordingLines();

        _router.AttachResampled(new Vm(lines), _logger);
        _router.Attach((line, high) => _irqchipCalls.Add((line, high)));
        virtio.Set(false); // the acknowledge: the kernel lowers the line at the EOI
        virtio.Set(true);
        _router.Line(4).Set(true); // a line without a level source is unchanged

        Assert.Equal([5], lines.Connected.Keys);
        Assert.Equal(2, lines.Connected[5].Raises);
        Assert.True(lines.Levels[5]());
        level = false;
        Assert.False(lines.Levels[5]());
        Assert.Equal([(4, true)], _irqchipCalls);
        Assert.Equal([(5, 2L)], _router.ResampledLines());
        Assert.Contains(_log.Messages(), m => m.Contains("IRQ 5 raised through irqfd"));
    }

    [Fact]
    public void Without_resampled_triggers_the_line_keeps_the_irqchip_and_the_log_says_why()
    {
        var virtio = (IResampledInterruptLine)_router.Line(5);
        virtio.UseLevelSource(() => true);

        _router.AttachResampled(new Vm(null), _logger);
        _router.Attach((line, high) => _irqchipCalls.Add((line, high)));
        virtio.Set(true);
        virtio.Set(false);

        Assert.Equal([(5, true), (5, false)], _irqchipCalls);
        Assert.Empty(_router.ResampledLines());
        Assert.Contains(_log.Messages(), m => m.Contains("IRQ 5 driven level by level, not through irqfd: no irqfd here"));
    }

    [Fact]
    public void A_swapped_in_device_s_level_source_replaces_the_old_one()
    {
        var line = (IResampledInterruptLine)_router.Line(5);
        line.UseLevelSource(() => false);
        var lines = new RecordingLines();
        _router.AttachResampled(new Vm(lines), _logger);

        line.UseLevelSource(() => true);

        Assert.True(lines.Levels[5]());
    }

    private sealed class Vm(IResampledIrqLines? lines) : IVirtualMachine
    {
        public IResampledIrqLines? ResampledIrqLines => lines;

        public string NoResampledIrqLinesReason => "no irqfd here";

        public IVcpu CreateVcpu(int id) => throw new NotSupportedException();

        public void SetIrqLine(int irq, bool level) => throw new NotSupportedException("an irqfd line must not reach KVM_IRQ_LINE");

        public void Dispose() { }
    }

    private sealed class RecordingLines : IResampledIrqLines
    {
        public Dictionary<int, Trigger> Connected { get; } = [];

        public Dictionary<int, Func<bool>> Levels { get; } = [];

        public IResampledIrq Connect(int irq, Func<bool> level)
        {
            Levels[irq] = level;
            return Connected[irq] = new Trigger();
        }

        public sealed class Trigger : IResampledIrq
        {
            public long Raises { get; private set; }

            public void Raise() => Raises++;

            public void Dispose() { }
        }
    }
}
