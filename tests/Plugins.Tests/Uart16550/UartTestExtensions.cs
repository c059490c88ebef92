using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>Register-level shorthands for the 16550 tests.</summary>
internal static class UartTestExtensions
{
    public static InterruptId InterruptId(this DeviceHarness<Uart16550Device> uart)
        => (InterruptId)(uart.In(UartRegister.InterruptIdentification) & 0x0f);

    public static Lsr LineStatus(this DeviceHarness<Uart16550Device> uart) => (Lsr)uart.In(UartRegister.LineStatus);

    public static Msr ModemStatus(this DeviceHarness<Uart16550Device> uart) => (Msr)uart.In(UartRegister.ModemStatus);

    public static void EnableInterrupts(this DeviceHarness<Uart16550Device> uart, Ier which)
    {
        uart.Out(UartRegister.ModemControl, (byte)(Mcr.Out2 | Mcr.DataTerminalReady | Mcr.RequestToSend));
        uart.Out(UartRegister.InterruptEnable, (byte)which);
    }

    public static void EnableFifos(this DeviceHarness<Uart16550Device> uart, int triggerBits = 0)
        => uart.Out(UartRegister.FifoControl, (byte)((byte)Fcr.EnableFifos | (triggerBits << 6)));

    public static string ReadAvailable(this DeviceHarness<Uart16550Device> uart)
    {
        var text = new System.Text.StringBuilder();
        while ((uart.LineStatus() & Lsr.DataReady) != 0)
            text.Append((char)uart.In(UartRegister.Data));
        return text.ToString();
    }
}
