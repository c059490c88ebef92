using Hypervisor.Testing;
using MiniVmm.Devices.Pic;

namespace Plugins.Tests.I8259;

/// <summary>The initialization sequence (8259A datasheet, "Initialization command words") and the register reads.</summary>
public sealed class PicInitializationTests : IDisposable
{
    private readonly PicMachine _pic = new();

    public void Dispose() => _pic.Dispose();

    [Fact]
    public void Bios_sequence_maps_irq0_to_vector_8_and_irq8_to_vector_0x70()
    {
        _pic.InitializeLikeTheBios();

        _pic.Pulse(0);
        Assert.True(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x08, _pic.Controller.Acknowledge());
        _pic.MasterEoi();

        _pic.Pulse(8);
        Assert.Equal(0x70, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Linux_sequence_maps_irqs_to_0x20_and_0x28()
    {
        // Linux's init_8259A: ICW1 0x11, ICW2 0x20 / 0x28, ICW3 0x04 / 0x02, ICW4 0x01.
        _pic.InitializeLikeTheBios(0x20, 0x28);

        _pic.Pulse(1);
        Assert.Equal(0x21, _pic.Controller.Acknowledge());
        _pic.MasterEoi();
        _pic.Pulse(12);
        Assert.Equal(0x2c, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Icw2_ignores_the_low_three_bits_of_the_vector_base()
    {
        _pic.InitializeLikeTheBios(masterBase: 0x0f);

        _pic.Pulse(3);

        Assert.Equal(0x0b, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Data_port_after_initialization_is_the_interrupt_mask()
    {
        _pic.InitializeLikeTheBios();

        _pic.Master.Out(PicPort.Data, 0xb8);
        _pic.Slave.Out(PicPort.Data, 0x8e);

        Assert.Equal(0xb8, _pic.Master.In(PicPort.Data));
        Assert.Equal(0x8e, _pic.Slave.In(PicPort.Data));
    }

    [Fact]
    public void Icw1_clears_the_mask_and_in_service_bits()
    {
        _pic.InitializeLikeTheBios();
        _pic.Master.Out(PicPort.Data, 0xff);
        _pic.Master.Out(PicPort.Data, 0x00);
        _pic.Pulse(5);
        _pic.Controller.Acknowledge();
        Assert.Equal(0x20, _pic.MasterIsr());

        _pic.InitializeLikeTheBios();

        Assert.Equal(0, _pic.MasterIsr());
        Assert.Equal(0, _pic.Master.In(PicPort.Data));
    }

    [Fact]
    public void Icw1_without_icw4_is_ready_after_icw3()
    {
        _pic.Master.Out(PicPort.Command, 0x10); // cascade, no ICW4
        _pic.Master.Out(PicPort.Data, 0x08);
        _pic.Master.Out(PicPort.Data, 0x04);
        _pic.Master.Out(PicPort.Data, 0xfe); // OCW1, not ICW4

        Assert.Equal(0xfe, _pic.Master.In(PicPort.Data));
    }

    [Fact]
    public void Single_mode_skips_icw3()
    {
        _pic.Master.Out(PicPort.Command, 0x13); // single, ICW4
        _pic.Master.Out(PicPort.Data, 0x40);
        _pic.Master.Out(PicPort.Data, 0x01); // ICW4
        _pic.Master.Out(PicPort.Data, 0xfa); // OCW1: IRQ 0 and 2 unmasked

        Assert.Equal(0xfa, _pic.Master.In(PicPort.Data));
        _pic.Pulse(0);
        Assert.Equal(0x40, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Command_port_reads_irr_by_default_and_isr_after_ocw3()
    {
        _pic.InitializeLikeTheBios();
        _pic.Master.Out(PicPort.Data, 0xff); // masked requests still latch in IRR
        _pic.Pulse(3);

        Assert.Equal(0x08, _pic.Master.In(PicPort.Command));
        Assert.Equal(0x00, _pic.MasterIsr());
        Assert.Equal(0x08, _pic.MasterIrr());
    }

    [Fact]
    public void Edge_triggered_request_needs_a_new_edge_after_icw1()
    {
        _pic.Raise(4);
        _pic.InitializeLikeTheBios();

        Assert.False(_pic.Controller.HasPendingInterrupt);
        _pic.Lower(4);
        _pic.Raise(4);
        Assert.True(_pic.Controller.HasPendingInterrupt);
    }

    [Fact]
    public void Reset_returns_both_chips_and_the_elcr_to_power_on_state()
    {
        _pic.InitializeLikeTheBios();
        _pic.Elcr.Out(1, 0x0e);
        _pic.Master.Out(PicPort.Data, 0x12);

        _pic.Controller.Reset();

        var (master, slave) = _pic.Controller.Pair.Snapshot();
        Assert.Equal(new PicState { InputLevels = master.InputLevels }, master);
        Assert.Equal(0, slave.Elcr);
        Assert.Equal(0, _pic.Master.In(PicPort.Data));
    }
}
