using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>IIR identification, priority and the interrupt line (PC16550D section 8.6, table IV).</summary>
public sealed class UartInterruptTests : IDisposable
{
    private readonly DeviceHarness<Uart16550Device> _uart = DeviceHarness.Create<Uart16550Device>(settings: new() { Irq = 4 });

    public void Dispose() => _uart.Dispose();

    [Fact]
    public void Iir_reports_thr_empty_after_enabling_the_interrupt()
    {
        _uart.EnableInterrupts(Ier.TransmitterHoldingRegisterEmpty);

        Assert.Equal(InterruptId.TransmitterHoldingRegisterEmpty, _uart.InterruptId());
    }

    [Fact]
    public void Reading_iir_clears_the_thr_empty_interrupt()
    {
        _uart.EnableInterrupts(Ier.TransmitterHoldingRegisterEmpty);
        Assert.True(_uart.Irq.Level);

        _uart.InterruptId();

        Assert.Equal(InterruptId.None, _uart.InterruptId());
        Assert.False(_uart.Irq.Level);
    }

    [Fact]
    public void Thr_empty_interrupt_returns_after_the_next_character_is_sent()
    {
        _uart.EnableInterrupts(Ier.TransmitterHoldingRegisterEmpty);
        _uart.InterruptId();

        _uart.Out(UartRegister.Data, (byte)'a');

        Assert.True(_uart.Irq.Level);
        Assert.Equal(InterruptId.TransmitterHoldingRegisterEmpty, _uart.InterruptId());
    }

    [Fact]
    public void Re_enabling_the_thr_empty_interrupt_raises_it_again()
    {
        // Linux's serial8250_do_startup probes THRE this way (UART_BUG_THRE).
        _uart.EnableInterrupts(Ier.TransmitterHoldingRegisterEmpty);
        _uart.InterruptId();
        _uart.Out(UartRegister.InterruptEnable, 0);

        _uart.Out(UartRegister.InterruptEnable, (byte)Ier.TransmitterHoldingRegisterEmpty);

        Assert.Equal(InterruptId.TransmitterHoldingRegisterEmpty, _uart.InterruptId());
    }

    [Fact]
    public void Out2_gates_the_interrupt_line_as_on_a_pc()
    {
        _uart.Out(UartRegister.InterruptEnable, (byte)Ier.TransmitterHoldingRegisterEmpty);
        Assert.False(_uart.Irq.Level);

        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Out2);
        Assert.True(_uart.Irq.Level);

        _uart.Out(UartRegister.ModemControl, 0);
        Assert.False(_uart.Irq.Level);
    }

    [Fact]
    public void Disabled_sources_never_raise_the_line()
    {
        _uart.EnableInterrupts(Ier.None);
        _uart.Backend.Feed("x");
        _uart.Out(UartRegister.Data, (byte)'y');

        Assert.False(_uart.Irq.Level);
        Assert.Equal(InterruptId.None, _uart.InterruptId());
        Assert.Empty(_uart.Irq.Edges);
    }

    [Fact]
    public void Received_data_interrupt_is_raised_and_cleared_by_reading_rbr()
    {
        _uart.EnableInterrupts(Ier.ReceivedDataAvailable);

        _uart.Backend.Feed("k");
        Assert.True(_uart.Irq.Level);
        Assert.Equal(InterruptId.ReceivedDataAvailable, _uart.InterruptId());

        Assert.Equal((byte)'k', _uart.In(UartRegister.Data));
        Assert.False(_uart.Irq.Level);
    }

    [Fact]
    public void Line_status_outranks_received_data_which_outranks_thr_empty_which_outranks_modem_status()
    {
        _uart.EnableInterrupts(Ier.All);
        // Modem status: loopback toggles make delta bits; leave loopback so data can arrive again.
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out2));
        _uart.Out(UartRegister.Data, (byte)'1');
        _uart.Out(UartRegister.Data, (byte)'2'); // 16450 mode: overrun
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Out2);

        Assert.Equal(InterruptId.ReceiverLineStatus, _uart.InterruptId());
        Assert.True((_uart.LineStatus() & Lsr.OverrunError) != 0); // reading LSR clears it
        Assert.Equal(InterruptId.ReceivedDataAvailable, _uart.InterruptId());
        _uart.In(UartRegister.Data);
        Assert.Equal(InterruptId.TransmitterHoldingRegisterEmpty, _uart.InterruptId()); // and the read clears it
        Assert.Equal(InterruptId.ModemStatus, _uart.InterruptId());
        _uart.ModemStatus();
        Assert.Equal(InterruptId.None, _uart.InterruptId());
        Assert.False(_uart.Irq.Level);
    }

    [Fact]
    public void Modem_status_interrupt_follows_delta_bits_and_clears_on_msr_read()
    {
        _uart.Out(UartRegister.InterruptEnable, (byte)Ier.ModemStatus);
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.RequestToSend));

        Assert.Equal(InterruptId.ModemStatus, _uart.InterruptId());
        _uart.ModemStatus();
        Assert.Equal(InterruptId.None, _uart.InterruptId());
    }

    [Fact]
    public void Loopback_keeps_the_interrupt_off_the_isa_line()
    {
        _uart.Out(UartRegister.InterruptEnable, (byte)Ier.TransmitterHoldingRegisterEmpty);

        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out2));

        Assert.Equal(InterruptId.TransmitterHoldingRegisterEmpty, _uart.InterruptId());
        Assert.False(_uart.Irq.Level);
    }

    [Fact]
    public void The_line_is_the_entrys_irq_number()
    {
        Assert.Equal(4, _uart.Irq.Number);
    }
}
