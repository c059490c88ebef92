using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>Receiver: RBR, DR, the 16-byte FIFO, trigger levels, timeout, overrun and flow control.</summary>
public sealed class UartReceiveTests : IDisposable
{
    private readonly DeviceHarness<Uart16550Device> _uart = DeviceHarness.Create<Uart16550Device>();

    public void Dispose() => _uart.Dispose();

    [Fact]
    public void Backend_input_appears_in_rbr_with_data_ready()
    {
        _uart.Backend.Feed("a");

        Assert.True((_uart.LineStatus() & Lsr.DataReady) != 0);
        Assert.Equal((byte)'a', _uart.In(UartRegister.Data));
        Assert.True((_uart.LineStatus() & Lsr.DataReady) == 0);
    }

    [Fact]
    public void Without_fifos_the_receiver_holds_one_character_and_the_backend_keeps_the_rest()
    {
        _uart.Backend.Feed("abc");

        Assert.Equal(2, _uart.Backend.PendingInput);
        Assert.Equal("abc", _uart.ReadAvailable());
    }

    [Fact]
    public void With_fifos_the_receiver_holds_sixteen_characters()
    {
        _uart.EnableFifos();

        _uart.Backend.Feed(new string('x', 20));

        Assert.Equal(16, _uart.Device.Uart.State.Receiver.Count);
        Assert.Equal(4, _uart.Backend.PendingInput);
    }

    [Fact]
    public void A_slow_reader_loses_nothing()
    {
        _uart.EnableFifos();
        string text = string.Concat(Enumerable.Range(0, 40).Select(i => $"line {i}\n"));

        _uart.Backend.Feed(text);
        string received = _uart.ReadAvailable();

        Assert.Equal(text, received);
        Assert.True((_uart.LineStatus() & Lsr.OverrunError) == 0);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 4)]
    [InlineData(2, 8)]
    [InlineData(3, 14)]
    public void Received_data_interrupt_waits_for_the_trigger_level(int triggerBits, int level)
    {
        _uart.EnableFifos(triggerBits);
        _uart.EnableInterrupts(Ier.ReceivedDataAvailable);

        _uart.Backend.Feed(new string('r', level - 1));
        Assert.NotEqual(InterruptId.ReceivedDataAvailable, _uart.InterruptId());
        _uart.Backend.Feed("r");
        Assert.Equal(InterruptId.ReceivedDataAvailable, _uart.InterruptId());
        Assert.True(_uart.Irq.Level);
    }

    [Fact]
    public void Character_timeout_is_indicated_after_four_character_times_below_the_trigger_level()
    {
        _uart.EnableFifos(triggerBits: 2); // 8 characters
        _uart.EnableInterrupts(Ier.ReceivedDataAvailable);
        _uart.Out(UartRegister.LineControl, 0x03); // 8N1: 10 bits per character; divisor 12 = 9600 baud

        _uart.Backend.Feed("hi");
        _uart.Advance(TimeSpan.FromMilliseconds(3)); // < 4 x 1.04 ms
        Assert.Equal(InterruptId.None, _uart.InterruptId());

        _uart.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(InterruptId.CharacterTimeout, _uart.InterruptId());
        Assert.True(_uart.Irq.Level);
    }

    [Fact]
    public void Reading_rbr_clears_the_character_timeout_and_restarts_its_timer()
    {
        _uart.EnableFifos(triggerBits: 2);
        _uart.EnableInterrupts(Ier.ReceivedDataAvailable);
        _uart.Backend.Feed("hi");
        _uart.Advance(TimeSpan.FromMilliseconds(10));

        Assert.Equal((byte)'h', _uart.In(UartRegister.Data));

        Assert.Equal(InterruptId.None, _uart.InterruptId());
        _uart.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Equal(InterruptId.CharacterTimeout, _uart.InterruptId());
    }

    [Fact]
    public void Character_timeout_scales_with_the_divisor()
    {
        _uart.EnableFifos(triggerBits: 3);
        _uart.EnableInterrupts(Ier.ReceivedDataAvailable);
        _uart.Out(UartRegister.LineControl, 0x83);
        _uart.Out(UartRegister.Data, 1); // 115200 baud: a character is 86.8 us
        _uart.Out(UartRegister.InterruptEnable, 0);
        _uart.Out(UartRegister.LineControl, 0x03);

        _uart.Backend.Feed("z");
        _uart.Advance(TimeSpan.FromMicroseconds(340));
        Assert.Equal(InterruptId.None, _uart.InterruptId());
        _uart.Advance(TimeSpan.FromMicroseconds(10));
        Assert.Equal(InterruptId.CharacterTimeout, _uart.InterruptId());
    }

    [Fact]
    public void Fcr_clear_receiver_empties_the_fifo()
    {
        _uart.EnableFifos();
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Out(UartRegister.Data, "abc"u8);

        _uart.Out(UartRegister.FifoControl, (byte)(Fcr.EnableFifos | Fcr.ClearReceiveFifo));

        Assert.True((_uart.LineStatus() & Lsr.DataReady) == 0);
    }

    [Fact]
    public void Toggling_fifo_enable_clears_both_fifos()
    {
        _uart.EnableFifos();
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Out(UartRegister.Data, "abc"u8);

        _uart.Out(UartRegister.FifoControl, 0);

        Assert.Equal(0, _uart.Device.Uart.State.Receiver.Count);
    }

    [Fact]
    public void Overrun_when_the_fifo_is_full_keeps_the_fifo_and_loses_the_new_character()
    {
        _uart.EnableFifos();
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        for (int i = 0; i < 17; i++)
            _uart.Out(UartRegister.Data, (byte)('a' + i));

        Lsr lsr = _uart.LineStatus();
        Assert.True((lsr & Lsr.OverrunError) != 0);
        Assert.True((_uart.LineStatus() & Lsr.OverrunError) == 0); // cleared by the read
        Assert.Equal("abcdefghijklmnop", _uart.ReadAvailable());
    }

    [Fact]
    public void Overrun_without_fifos_replaces_the_unread_character()
    {
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Out(UartRegister.Data, (byte)'1');
        _uart.Out(UartRegister.Data, (byte)'2');

        Assert.True((_uart.LineStatus() & Lsr.OverrunError) != 0);
        Assert.Equal("2", _uart.ReadAvailable());
    }

    [Fact]
    public void Line_status_interrupt_on_overrun_clears_when_lsr_is_read()
    {
        _uart.EnableInterrupts(Ier.ReceiverLineStatus);
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out2));
        _uart.Out(UartRegister.Data, "12"u8);

        Assert.Equal(InterruptId.ReceiverLineStatus, _uart.InterruptId());
        _uart.LineStatus();
        Assert.Equal(InterruptId.None, _uart.InterruptId());
    }

    [Fact]
    public void Break_in_loopback_receives_a_zero_character_with_bi_and_the_fifo_error_bit()
    {
        _uart.EnableFifos();
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Out(UartRegister.Data, (byte)'a');
        _uart.Out(UartRegister.LineControl, (byte)(Lcr.SetBreak | (Lcr)0x03));

        Lsr lsr = _uart.LineStatus();
        Assert.True((lsr & Lsr.ReceiveFifoError) != 0);
        Assert.True((lsr & Lsr.BreakInterrupt) == 0); // 'a' is at the top, without error
        Assert.Equal((byte)'a', _uart.In(UartRegister.Data));
        lsr = _uart.LineStatus();
        Assert.True((lsr & Lsr.BreakInterrupt) != 0);
        Assert.Equal(0, _uart.In(UartRegister.Data));
        Assert.True((_uart.LineStatus() & Lsr.ReceiveFifoError) == 0);
    }

    [Fact]
    public void Input_waits_in_the_backend_during_loopback()
    {
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.Backend.Feed("w");
        Assert.True((_uart.LineStatus() & Lsr.DataReady) == 0);

        _uart.Out(UartRegister.ModemControl, 0);

        Assert.Equal("w", _uart.ReadAvailable());
    }
}

public sealed class UartTimeoutTimerTests
{
    [Fact]
    public void Character_timeout_raises_the_line_without_a_register_access()
    {
        // A guest waiting in HLT touches no register: the device's timer must raise the line.
        using var uart = DeviceHarness.Create<Uart16550Device>();
        uart.EnableFifos(triggerBits: 3);
        uart.EnableInterrupts(Ier.ReceivedDataAvailable);
        uart.Backend.Feed("q");
        Assert.False(uart.Irq.Level);

        uart.Advance(TimeSpan.FromMilliseconds(50)); // the device's timer fires inside Advance

        Assert.True(uart.Irq.Level);
    }
}
