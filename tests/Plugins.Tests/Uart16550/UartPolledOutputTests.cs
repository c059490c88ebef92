using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>The polled-output path every boot uses: THR writes reaching the backend, LSR, divisor latch, scratch.</summary>
public sealed class UartPolledOutputTests : IDisposable
{
    private readonly DeviceHarness<Uart16550Device> _uart = DeviceHarness.Create<Uart16550Device>();

    public void Dispose() => _uart.Dispose();

    [Fact]
    public void Thr_writes_reach_the_backend_in_order()
    {
        _uart.Out(UartRegister.Data, "4\n"u8);

        Assert.Equal("4\n", _uart.Backend.OutputText);
    }

    [Fact]
    public void Output_is_transmitted_without_programming_the_line_first()
    {
        // The seed's guest 1 writes 0x3f8 without touching LCR or the divisor.
        _uart.Out(UartRegister.Data, 0xff);

        Assert.Equal([0xff], _uart.Backend.Output);
    }

    [Fact]
    public void Lsr_reports_transmitter_empty_after_reset()
    {
        byte lsr = _uart.In(UartRegister.LineStatus);

        Assert.Equal((byte)(Lsr.TransmitterHoldingRegisterEmpty | Lsr.TransmitterEmpty), lsr);
    }

    [Fact]
    public void Lsr_reports_transmitter_empty_after_a_write()
    {
        _uart.Out(UartRegister.Data, (byte)'x');

        var lsr = (Lsr)_uart.In(UartRegister.LineStatus);

        Assert.True(lsr.HasFlag(Lsr.TransmitterHoldingRegisterEmpty));
        Assert.True(lsr.HasFlag(Lsr.TransmitterEmpty));
    }

    [Fact]
    public void Dlab_maps_the_divisor_latch_over_rbr_thr_and_ier()
    {
        _uart.Out(UartRegister.LineControl, (byte)Lcr.DivisorLatchAccess);
        _uart.Out(UartRegister.Data, 0x01);            // DLL: 115200 baud
        _uart.Out(UartRegister.InterruptEnable, 0x00); // DLM
        _uart.Out(UartRegister.LineControl, 0x03);     // 8N1, DLAB off

        Assert.Equal((ushort)1, _uart.Device.Uart.State.Divisor);
        Assert.Empty(_uart.Backend.Output);
        Assert.Equal(0, _uart.In(UartRegister.InterruptEnable));
    }

    [Fact]
    public void Divisor_latch_reads_back_while_dlab_is_set()
    {
        _uart.Out(UartRegister.LineControl, (byte)Lcr.DivisorLatchAccess);
        _uart.Out(UartRegister.Data, 0x34);
        _uart.Out(UartRegister.InterruptEnable, 0x12);

        Assert.Equal(0x34, _uart.In(UartRegister.Data));
        Assert.Equal(0x12, _uart.In(UartRegister.InterruptEnable));
    }

    [Fact]
    public void Scratch_register_holds_any_byte()
    {
        _uart.Out(UartRegister.Scratch, 0xa5);

        Assert.Equal(0xa5, _uart.In(UartRegister.Scratch));
    }

    [Fact]
    public void Iir_reads_no_interrupt_pending_after_reset()
    {
        Assert.Equal((byte)InterruptId.None, _uart.In(UartRegister.InterruptIdentification));
    }

    [Fact]
    public void Lcr_and_mcr_read_back_what_was_written()
    {
        _uart.Out(UartRegister.LineControl, 0x1b);
        _uart.Out(UartRegister.ModemControl, 0x0b);

        Assert.Equal(0x1b, _uart.In(UartRegister.LineControl));
        Assert.Equal(0x0b, _uart.In(UartRegister.ModemControl));
    }

    [Fact]
    public void Word_access_splits_into_consecutive_registers()
    {
        // A 16-bit OUT to base+0 writes THR (low byte) and IER (high byte), as an 8-bit ISA device sees it.
        _uart.Write(UartRegister.Data, 2, 0x0141);

        Assert.Equal("A", _uart.Backend.OutputText);
        Assert.Equal(0x01, _uart.In(UartRegister.InterruptEnable));
    }

    [Fact]
    public void Flush_reaches_the_backend()
    {
        _uart.Out(UartRegister.Data, (byte)'z');
        _uart.Flush();

        Assert.True(_uart.Backend.FlushCount > 0);
    }

    [Fact]
    public void The_device_claims_eight_ports()
    {
        Assert.Equal(8, _uart.Device.PortCount);
    }
}

public sealed class UartMachineTests
{
    [Fact]
    public void Com1_and_com2_each_talk_to_their_own_backend_and_line()
    {
        using var com1 = DeviceHarness.Create<Uart16550Device>(settings: new() { Name = "com1", PortBase = 0x3f8, Irq = 4 });
        using var com2 = DeviceHarness.Create<Uart16550Device>(settings: new() { Name = "com2", PortBase = 0x2f8, Irq = 3 });
        com2.EnableInterrupts(Ier.ReceivedDataAvailable);

        com1.Out(UartRegister.Data, "one"u8);
        com2.Out(UartRegister.Data, "two"u8);
        com2.Backend.Feed("in");

        Assert.Equal("one", com1.Backend.OutputText);
        Assert.Equal("two", com2.Backend.OutputText);
        Assert.False(com1.Irq.Level);
        Assert.True(com2.Irq.Level);
        Assert.Equal(3, com2.Irq.Number);
    }

    [Fact]
    public void A_long_transmission_arrives_complete_and_in_order()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();
        uart.EnableFifos();
        var expected = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();

        uart.Out(UartRegister.Data, expected);
        uart.Flush();

        Assert.Equal(expected, uart.Backend.Output);
    }
}
