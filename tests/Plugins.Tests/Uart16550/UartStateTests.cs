using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>The 16550's snapshot state: a fresh instance that loads it answers every register as the saved one did.</summary>
public sealed class UartStateTests
{
    [Fact]
    public void A_loaded_uart_has_the_saved_registers_fifo_contents_and_interrupt()
    {
        using var saved = DeviceHarness.Create<Uart16550Device>(settings: new() { Irq = 4 });
        saved.Out(UartRegister.LineControl, (byte)Lcr.DivisorLatchAccess);
        saved.Out(UartRegister.Data, 3); // divisor 3: 38400 baud
        saved.Out(UartRegister.LineControl, 0x03);
        saved.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        saved.Out(UartRegister.ModemControl, (byte)Mcr.Out2);
        saved.Out(UartRegister.InterruptEnable, (byte)Ier.ReceivedDataAvailable);
        saved.Out(UartRegister.Scratch, 0x5a);
        saved.Backend.Feed("hi");
        Assert.True(saved.Irq.Level);
        var state = new StateWriter();
        saved.Device.SaveState(state);

        using var loaded = DeviceHarness.Create<Uart16550Device>(settings: new() { Irq = 4 });
        loaded.Device.LoadState(new StateReader(state.ToArray()), saved.Device.StateVersion);

        Assert.True(loaded.Irq.Level);
        Assert.Equal(0x5a, loaded.In(UartRegister.Scratch));
        Assert.Equal(saved.In(UartRegister.InterruptIdentification), loaded.In(UartRegister.InterruptIdentification));
        Assert.Equal((byte)'h', loaded.In(UartRegister.Data));
        Assert.Equal((byte)'i', loaded.In(UartRegister.Data));
        loaded.Out(UartRegister.LineControl, (byte)Lcr.DivisorLatchAccess);
        Assert.Equal(3, loaded.In(UartRegister.Data));
    }

    [Fact]
    public void State_of_another_version_is_refused()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();
        var state = new StateWriter();
        uart.Device.SaveState(state);

        Assert.Throws<StateFormatException>(() => uart.Device.LoadState(new StateReader(state.ToArray()), uart.Device.StateVersion + 1));
    }

    [Fact]
    public void Truncated_state_is_refused()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>();
        var state = new StateWriter();
        uart.Device.SaveState(state);

        var error = Assert.Throws<StateFormatException>(() => uart.Device.LoadState(new StateReader(state.ToArray()[..5]), uart.Device.StateVersion));
        Assert.Contains("state ends after 5 bytes", error.Message);
    }
}
