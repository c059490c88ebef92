using Hypervisor.Abstractions;
using Hypervisor.Core.Runtime;
using Serilog;

namespace Hypervisor.Core.Tests.Runtime;

/// <summary>
/// The machine's doorbell router: devices register before the VM exists; the accelerator's
/// ioeventfd gets every watch once attached, none without one; a throwing device is contained.
/// </summary>
public class IoEventRouterTests
{
    /// <summary>An accelerator's doorbells in memory: what was watched, and a way to ring one.</summary>
    private sealed class RecordingDoorbells : IIoEvents
    {
        public List<(ulong Address, int Length, ulong? Match, Action Written, bool Live)> Watches { get; } = [];

        public IDisposable Watch(ulong address, int length, ulong? match, Action written)
        {
            int index = Watches.Count;
            Watches.Add((address, length, match, written, true));
            return new Stop(() => Watches[index] = Watches[index] with { Live = false });
        }

        private sealed class Stop(Action stop) : IDisposable
        {
            public void Dispose() => stop();
        }
    }

    [Fact]
    public void A_watch_made_before_the_vm_reaches_the_accelerator_when_it_attaches()
    {
        using var router = new IoEventRouter();
        int rung = 0;
        router.Watch(0xd000_0050, 4, 1, () => rung++);
        var kvm = new RecordingDoorbells();

        router.Attach(kvm, Serilog.Core.Logger.None);

        var watch = Assert.Single(kvm.Watches);
        Assert.Equal((0xd000_0050UL, 4, (ulong?)1), (watch.Address, watch.Length, watch.Match));
        watch.Written();
        Assert.Equal(1, rung);
    }

    [Fact]
    public void Disposing_a_watch_stops_it_at_the_accelerator_and_later_watches_go_straight_there()
    {
        using var router = new IoEventRouter();
        var kvm = new RecordingDoorbells();
        router.Attach(kvm, Serilog.Core.Logger.None);

        var first = router.Watch(0xfe00_3000, 2, null, () => { });
        first.Dispose();
        router.Watch(0xfe00_3004, 2, null, () => { });

        Assert.False(kvm.Watches[0].Live);
        Assert.True(kvm.Watches[1].Live);
        Assert.Equal(0xfe00_3004UL, kvm.Watches[1].Address);
    }

    [Fact]
    public void Without_an_accelerator_nothing_is_watched_and_the_log_says_so()
    {
        var log = new List<string>();
        var logger = new LoggerConfiguration().WriteTo.Sink(new ListSink(log)).CreateLogger();
        using var router = new IoEventRouter();
        router.Watch(0xd000_0050, 4, 0, () => { });

        router.Attach(null, logger);

        Assert.Contains(log, line => line.Contains("no ioeventfd") && line.Contains("1 doorbell(s) stay ordinary MMIO exits"));
    }

    [Fact]
    public void A_device_that_throws_on_its_doorbell_is_logged_not_fatal()
    {
        var log = new List<string>();
        var logger = new LoggerConfiguration().WriteTo.Sink(new ListSink(log)).CreateLogger();
        using var router = new IoEventRouter();
        var kvm = new RecordingDoorbells();
        router.Attach(kvm, logger);
        router.Watch(0xd000_0050, 4, 0, () => throw new IOException("disk gone"));

        kvm.Watches[0].Written();

        Assert.Contains(log, line => line.Contains("doorbell at 0xd0000050 threw"));
    }

    private sealed class ListSink(List<string> lines) : Serilog.Core.ILogEventSink
    {
        public void Emit(Serilog.Events.LogEvent logEvent) => lines.Add(logEvent.RenderMessage());
    }
}
