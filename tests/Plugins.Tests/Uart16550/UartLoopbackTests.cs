using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>MCR loopback (PC16550D section 8.9) and MSR.</summary>
public sealed class UartLoopbackTests : IDisposable
{
    private readonly DeviceHarness<Uart16550Device> _uart = DeviceHarness.Create<Uart16550Device>();

    public void Dispose() => _uart.Dispose();

    [Fact]
    public void Transmitted_characters_come_back_and_never_reach_the_wire()
    {
        _uart.EnableFifos();
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);

        _uart.Out(UartRegister.Data, "ping"u8);

        Assert.Equal("ping", _uart.ReadAvailable());
        Assert.Empty(_uart.Backend.Output);
    }

    [Theory]
    [InlineData(Mcr.RequestToSend, Msr.ClearToSend)]
    [InlineData(Mcr.DataTerminalReady, Msr.DataSetReady)]
    [InlineData(Mcr.Out1, Msr.RingIndicator)]
    [InlineData(Mcr.Out2, Msr.DataCarrierDetect)]
    public void Modem_outputs_loop_to_modem_inputs(Mcr output, Msr input)
    {
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | output));

        Assert.Equal(input, _uart.ModemStatus() & Msr.Lines);
    }

    [Fact]
    public void Outside_loopback_cts_dsr_and_dcd_are_asserted()
    {
        Assert.Equal(Msr.ClearToSend | Msr.DataSetReady | Msr.DataCarrierDetect, _uart.ModemStatus() & Msr.Lines);
    }

    [Fact]
    public void Delta_bits_record_changes_until_msr_is_read()
    {
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.RequestToSend | Mcr.DataTerminalReady | Mcr.Out2));
        _uart.ModemStatus();

        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.DataTerminalReady));

        Msr msr = _uart.ModemStatus();
        Assert.Equal(Msr.DeltaClearToSend | Msr.DeltaDataCarrierDetect, msr & Msr.Deltas);
        Assert.Equal(Msr.None, _uart.ModemStatus() & Msr.Deltas);
    }

    [Fact]
    public void Teri_is_set_only_on_the_ring_indicators_trailing_edge()
    {
        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        _uart.ModemStatus();

        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out1));
        Assert.Equal(Msr.None, _uart.ModemStatus() & Msr.TrailingEdgeRingIndicator);

        _uart.Out(UartRegister.ModemControl, (byte)Mcr.Loopback);
        Assert.Equal(Msr.TrailingEdgeRingIndicator, _uart.ModemStatus() & Msr.TrailingEdgeRingIndicator);
    }

    [Fact]
    public void Mcr_high_bits_read_zero()
    {
        _uart.Out(UartRegister.ModemControl, 0xff);

        Assert.Equal(0x1f, _uart.In(UartRegister.ModemControl));
    }

    [Fact]
    public void Lsr_and_msr_ignore_writes()
    {
        _uart.Out(UartRegister.LineStatus, 0x00);
        _uart.Out(UartRegister.ModemStatus, 0x00);

        Assert.Equal(Lsr.TransmitterEmpty | Lsr.TransmitterHoldingRegisterEmpty, _uart.LineStatus());
        Assert.NotEqual(Msr.None, _uart.ModemStatus());
    }

    [Fact]
    public void Reset_returns_to_the_power_on_state()
    {
        _uart.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out2));
        _uart.Out(UartRegister.Scratch, 0x55);
        _uart.EnableFifos();

        _uart.Device.Reset();

        Assert.Equal(0, _uart.In(UartRegister.ModemControl));
        Assert.Equal(0, _uart.In(UartRegister.InterruptEnable));
        Assert.Equal((byte)InterruptId.None, _uart.In(UartRegister.InterruptIdentification));
    }
}
