using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pit;

namespace Plugins.Tests.I8254;

/// <summary>The 8254's snapshot state: a loaded PIT counts on from where the saved one was, to the tick and the edge.</summary>
public sealed class PitStateTests
{
    [Fact]
    public void A_loaded_pit_counts_and_interrupts_exactly_as_the_saved_one_goes_on_to()
    {
        using var saved = DeviceHarness.Create<I8254Device>(settings: new() { Irq = 0, PortBase = 0x40 });
        saved.Out(PitPort.Control, 0x34); // channel 0, LSB then MSB, mode 2
        saved.Out(0, 0x9b);
        saved.Out(0, 0x2e);               // 11931: ~100 Hz
        saved.Clock.AdvanceNanoseconds(12_345_678);
        var state = new StateWriter();
        saved.Device.SaveState(state);

        using var loaded = DeviceHarness.Create<I8254Device>(settings: new() { Irq = 0, PortBase = 0x40 });
        loaded.Clock.AdvanceNanoseconds(12_345_678); // the machine's clock is restored before its devices
        loaded.Device.LoadState(new StateReader(state.ToArray()), saved.Device.StateVersion);
        int savedEdges = saved.Irq.RisingEdges, loadedEdges = loaded.Irq.RisingEdges;
        saved.Advance(TimeSpan.FromMilliseconds(995));
        loaded.Advance(TimeSpan.FromMilliseconds(995));

        Assert.Equal(saved.Irq.RisingEdges - savedEdges, loaded.Irq.RisingEdges - loadedEdges);
        Assert.Equal(saved.Irq.Level, loaded.Irq.Level);
        saved.Out(PitPort.Control, 0x00); // latch channel 0
        loaded.Out(PitPort.Control, 0x00);
        Assert.Equal(saved.In(0) | saved.In(0) << 8, loaded.In(0) | loaded.In(0) << 8);
    }
}
