using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

public sealed class UartProbeTests
{
    [Fact]
    public void Linux_8250_autoconfig_detects_a_16550A()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();
        var failures = new List<string>();

        string type = Linux8250Probe.Autoconfig(uart, failures);

        Assert.Empty(failures);
        Assert.Equal("16550A", type);
    }

    [Fact]
    public void Autoconfig_leaves_the_uart_quiet_and_transmits_nothing()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();

        Linux8250Probe.Autoconfig(uart);

        Assert.Empty(uart.Backend.Output);
        Assert.False(uart.Irq.Level);
        Assert.Equal((byte)InterruptId.None, uart.In(UartRegister.InterruptIdentification));
    }

    [Fact]
    public void Scratch_test_of_autoconfig_8250_passes()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();
        foreach (byte pattern in new byte[] { 0xa5, 0x5a, 0x00, 0xff })
        {
            uart.Out(UartRegister.Scratch, pattern);
            Assert.Equal(pattern, uart.In(UartRegister.Scratch));
        }
    }

    [Fact]
    public void Ier_high_nibble_reads_zero()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();

        uart.Out(UartRegister.InterruptEnable, 0xff);

        Assert.Equal(0x0f, uart.In(UartRegister.InterruptEnable));
    }

    [Fact]
    public void Iir_bits_7_6_read_11_with_fifos_enabled_and_00_without()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();

        uart.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        Assert.Equal(0xc0, uart.In(UartRegister.InterruptIdentification) & 0xc0);
        uart.Out(UartRegister.FifoControl, 0);
        Assert.Equal(0x00, uart.In(UartRegister.InterruptIdentification) & 0xc0);
    }

    [Fact]
    public void Iir_bits_5_4_read_zero_whatever_fcr_says()
    {
        // A TI16750 sets bit 5 for its 64-byte FIFO; a 16550A must not.
        using var uart = DeviceHarness.Create<Uart16550Device>();
        uart.Out(UartRegister.LineControl, (byte)Lcr.DivisorLatchAccess);

        uart.Out(UartRegister.FifoControl, 0x21);

        Assert.Equal(0, uart.In(UartRegister.InterruptIdentification) & 0x30);
    }
}
