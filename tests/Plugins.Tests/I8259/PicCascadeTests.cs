using Hypervisor.Testing;
using MiniVmm.Devices.Pic;

namespace Plugins.Tests.I8259;

/// <summary>The slave on IR2, level triggering through the ELCR, and spurious interrupts.</summary>
public sealed class PicCascadeTests : IDisposable
{
    private readonly PicMachine _pic = new();

    public PicCascadeTests() => _pic.InitializeLikeTheBios();

    public void Dispose() => _pic.Dispose();

    [Fact]
    public void Slave_irq_reaches_the_cpu_through_master_irq2()
    {
        _pic.Pulse(14);

        Assert.True(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x76, _pic.Controller.Acknowledge());
        Assert.Equal(0x04, _pic.MasterIsr());
        Assert.Equal(0x40, _pic.SlaveIsr());
    }

    [Fact]
    public void Masking_irq2_on_the_master_masks_the_whole_slave()
    {
        _pic.Master.Out(PicPort.Data, 0x04);

        _pic.Pulse(9);

        Assert.False(_pic.Controller.HasPendingInterrupt);
        _pic.Master.Out(PicPort.Data, 0x00);
        Assert.Equal(0x71, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Slave_interrupts_need_eoi_on_both_chips()
    {
        _pic.Pulse(8);
        _pic.Controller.Acknowledge();
        _pic.Pulse(10);

        _pic.SlaveEoi();
        Assert.False(_pic.Controller.HasPendingInterrupt); // master still has IRQ 2 in service

        _pic.MasterEoi();
        Assert.Equal(0x72, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Master_irq0_outranks_the_slave_and_irq1_but_not_nothing_lower()
    {
        _pic.Pulse(3);
        _pic.Pulse(12);
        _pic.Pulse(0);

        Assert.Equal(0x08, _pic.Controller.Acknowledge());
        _pic.MasterEoi();
        Assert.Equal(0x74, _pic.Controller.Acknowledge());
        _pic.SlaveEoi();
        _pic.MasterEoi();
        Assert.Equal(0x0b, _pic.Controller.Acknowledge());
    }

    [Fact]
    public void Elcr_makes_a_line_level_triggered_so_it_requests_again_after_eoi()
    {
        _pic.Elcr.Out(1, 0x08); // IRQ 11 level
        _pic.Raise(11);

        Assert.Equal(0x73, _pic.Controller.Acknowledge());
        _pic.SlaveEoi();
        _pic.MasterEoi();

        Assert.True(_pic.Controller.HasPendingInterrupt); // still high
        _pic.Lower(11);
        Assert.False(_pic.Controller.HasPendingInterrupt);
    }

    [Fact]
    public void Edge_triggered_line_held_high_requests_once()
    {
        _pic.Raise(5);
        _pic.Controller.Acknowledge();
        _pic.MasterEoi();

        Assert.False(_pic.Controller.HasPendingInterrupt);
    }

    [Fact]
    public void Elcr_bits_of_irq_0_1_2_8_13_stay_edge()
    {
        _pic.Elcr.Out(0, 0xff);
        _pic.Elcr.Out(1, 0xff);

        Assert.Equal(PcPicWiring.MasterElcrMask, _pic.Elcr.In(0));
        Assert.Equal(PcPicWiring.SlaveElcrMask, _pic.Elcr.In(1));
    }

    [Fact]
    public void Level_request_withdrawn_before_acknowledge_gives_spurious_irq7()
    {
        _pic.Elcr.Out(0, 0x20);
        _pic.Raise(5);
        Assert.True(_pic.Controller.HasPendingInterrupt);
        _pic.Lower(5);

        Assert.Equal(0x0f, _pic.Controller.Acknowledge());
        Assert.Equal(0, _pic.MasterIsr()); // no ISR bit for a spurious interrupt
    }

    [Fact]
    public void Slave_request_withdrawn_before_acknowledge_drops_intr()
    {
        // The master's IR2 is the slave's INT pin: when the slave stops requesting, so does IR2.
        _pic.Elcr.Out(1, 0x08);
        _pic.Raise(11);
        Assert.True(_pic.Controller.HasPendingInterrupt);

        _pic.Lower(11);

        Assert.False(_pic.Controller.HasPendingInterrupt);
        Assert.Equal(0x0f, _pic.Controller.Acknowledge()); // an INTA now is the master's spurious IRQ 7
        Assert.Equal(0, _pic.MasterIsr());
    }

    [Fact]
    public void Lines_beyond_15_are_not_wired_to_the_pair()
    {
        _pic.Raise(16);
        _pic.Raise(23);

        Assert.False(_pic.Controller.HasPendingInterrupt);
    }

    [Fact]
    public void Word_write_to_the_master_reaches_both_ports()
    {
        _pic.Master.Write(0, 2, 0x5a_0b); // OCW3 read ISR to 0x20, IMR 0x5a to 0x21

        Assert.Equal(0x5a, _pic.Master.In(PicPort.Data));
    }
}
