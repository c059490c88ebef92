using MiniVmm.Devices.Pic;

namespace Plugins.Tests.I8259;

/// <summary>Masking, fully nested priority, EOI and rotation (8259A datasheet, OCW1 and OCW2).</summary>
public sealed class PicPriorityTests : IDisposable
{
    private readonly PicMachine _pic = new();

    public PicPriorityTests() => _pic.InitializeLikeTheBios();

    public void Dispose() => _pic.Dispose();

    [Fact]
    public void Masked_request_waits_in_irr_until_unmasked()
    {
        _pic.Master.Out(PicPort.Data, 0x02);
        _pic.Pulse(1);
        Assert.False(_pic.Controller.HasPendingInterrupt);

        _pic.Master.Out(PicPort.Data, 0x00);

        Assert.True(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x09, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Lower_irq_number_has_higher_priority()
    {
        _pic.Pulse(6);
        _pic.Pulse(3);

        Assert.Equal(0x0b, _pic.Controller.Acknowledge());
        _pic.MasterEoi();
        Assert.Equal(0x0e, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void In_service_interrupt_blocks_equal_and_lower_priority_until_eoi()
    {
        _pic.Pulse(3);
        _pic.Controller.Acknowledge();

        _pic.Pulse(5);
        Assert.False(_pic.Controller.HasPendingInterrupt);

        _pic.Pulse(1); // higher priority nests
        Assert.True(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x09, _pic.Controller.Acknowledge());
        Assert.Equal(0x0a, _pic.MasterIsr());

        _pic.MasterEoi(); // ends IRQ 1, the highest in service
        Assert.Equal(0x08, _pic.MasterIsr());
        Assert.False(_pic.Controller.HasPendingInterrupt);
        _pic.MasterEoi();
        Assert.Equal(0x0d, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Acknowledge_moves_an_edge_request_from_irr_to_isr()
    {
        _pic.Pulse(4);
        Assert.Equal(0x10, _pic.MasterIrr());

        _pic.Controller.Acknowledge();

        Assert.Equal(0x00, _pic.MasterIrr());
        Assert.Equal(0x10, _pic.MasterIsr());
        Assert.False(_pic.Controller.HasPendingInterrupt);
    }

    [Fact]
    public void Specific_eoi_clears_the_named_level_only()
    {
        _pic.Pulse(5);
        _pic.Controller.Acknowledge();
        _pic.Pulse(9);
        _pic.Controller.Acknowledge(); // nests through IR2
        Assert.Equal(0x24, _pic.MasterIsr());

        _pic.Master.Out(PicPort.Command, 0x60 | 5); // specific EOI for IRQ 5

        Assert.Equal(0x04, _pic.MasterIsr());
    }

    [Fact]
    public void Automatic_eoi_leaves_isr_clear()
    {
        _pic.InitializeLikeTheBios(icw4: Icw4.Mode8086 | Icw4.AutoEoi);

        _pic.Pulse(3);
        Assert.Equal(0x0b, _pic.Controller.Acknowledge());

        Assert.Equal(0, _pic.MasterIsr());
        _pic.Pulse(4);
        Assert.True(_pic.Controller.HasPendingInterrupt); // nothing in service blocks it
    }

    [Fact]
    public void Rotate_on_non_specific_eoi_makes_the_served_level_lowest()
    {
        _pic.Pulse(0);
        _pic.Controller.Acknowledge();
        _pic.Master.Out(PicPort.Command, 0xa0); // rotate on non-specific EOI

        _pic.Pulse(0);
        _pic.Pulse(4);

        Assert.Equal(0x0c, _pic.Controller.Acknowledge()); // IRQ 1 is now highest, IRQ 0 lowest
    }

    [Fact]
    public void Set_priority_command_chooses_the_lowest_priority_level()
    {
        _pic.Master.Out(PicPort.Command, 0xc0 | 4); // IRQ 4 lowest, IRQ 5 highest

        _pic.Pulse(3);
        _pic.Pulse(6);

        Assert.Equal(0x0e, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Special_mask_mode_lets_lower_levels_through_a_masked_in_service_level()
    {
        _pic.Pulse(3);
        _pic.Controller.Acknowledge();
        _pic.Master.Out(PicPort.Data, 0x08);
        _pic.Master.Out(PicPort.Command, Ocw3.Select | Ocw3.EnableSpecialMask | Ocw3.SpecialMask);

        _pic.Pulse(6);

        Assert.True(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x0e, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Poll_command_returns_the_level_and_acknowledges_it()
    {
        _pic.Pulse(5);
        _pic.Master.Out(PicPort.Command, Ocw3.Select | Ocw3.Poll);

        Assert.Equal(PollWord.InterruptPending | 5, _pic.Master.In(PicPort.Command));
        Assert.Equal(0x20, _pic.MasterIsr());
        _pic.Master.Out(PicPort.Command, Ocw3.Select | Ocw3.Poll);
        Assert.Equal(0, _pic.Master.In(PicPort.Command));
    }
}
