using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>
/// The register sequence of Linux's 8250 driver autoconfig() (drivers/tty/serial/8250/8250_port.c),
/// restated: IER probe, loopback test, FIFO probe via IIR bits 7:6, then the 16550A variant checks
/// (EFR under DLAB and LCR=0xbf, NS SuperIO EXCR1, TI16750 64-byte FIFO, XScale UUE) and, for
/// FIFO-less parts, autoconfig_8250's scratch test. Returns the driver's name for the port type.
/// </summary>
internal static class Linux8250Probe
{
    private const int Efr = 2;             // UART_EFR overlays IIR/FCR when LCR is 0xbf
    private const byte LcrConfModeA = 0x80; // UART_LCR_CONF_MODE_A (DLAB)
    private const byte LcrConfModeB = 0xbf;
    private const byte Fcr7_64Byte = 0x20;
    private const byte IerUue = 0x40;

    public static string Autoconfig(DeviceHarness<Uart16550Device> port, List<string>? failures = null)
    {
        failures ??= [];
        // IER test: bits 3:0 must clear and set.
        byte scratch = port.In(UartRegister.InterruptEnable);
        port.Out(UartRegister.InterruptEnable, 0);
        byte scratch2 = (byte)(port.In(UartRegister.InterruptEnable) & 0x0f);
        port.Out(UartRegister.InterruptEnable, 0x0f);
        byte scratch3 = (byte)(port.In(UartRegister.InterruptEnable) & 0x0f);
        port.Out(UartRegister.InterruptEnable, scratch);
        if (scratch2 != 0 || scratch3 != 0x0f)
        {
            failures.Add($"IER test failed ({scratch2:x2}, {scratch3:x2})");
            return "unknown";
        }

        byte saveMcr = port.In(UartRegister.ModemControl);
        byte saveLcr = port.In(UartRegister.LineControl);

        // Loopback test: MCR = LOOP | OUT2 | RTS must read back as MSR DCD | CTS.
        port.Out(UartRegister.ModemControl, (byte)(Mcr.Loopback | Mcr.Out2 | Mcr.RequestToSend));
        byte status1 = (byte)(port.In(UartRegister.ModemStatus) & 0xf0);
        port.Out(UartRegister.ModemControl, saveMcr);
        if (status1 != (byte)(Msr.DataCarrierDetect | Msr.ClearToSend))
        {
            failures.Add($"LOOP test failed ({status1:x2})");
            return "unknown";
        }

        port.Out(UartRegister.LineControl, LcrConfModeB);
        port.Out(Efr, 0);
        port.Out(UartRegister.LineControl, 0);
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        int fifoBits = port.In(UartRegister.InterruptIdentification) >> 6;
        string type = fifoBits switch
        {
            0 => Autoconfig8250(port),
            1 => "unknown",
            2 => "16550",
            _ => Autoconfig16550A(port),
        };

        port.Out(UartRegister.LineControl, saveLcr);
        // Reset the UART as the driver leaves it.
        port.Out(UartRegister.ModemControl, saveMcr);
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        port.Out(UartRegister.FifoControl, (byte)(Fcr.EnableFifos | Fcr.ClearReceiveFifo | Fcr.ClearTransmitFifo));
        port.Out(UartRegister.FifoControl, 0);
        port.In(UartRegister.Data);
        port.Out(UartRegister.InterruptEnable, 0);
        return type;
    }

    private static string Autoconfig8250(DeviceHarness<Uart16550Device> port)
    {
        byte saved = port.In(UartRegister.Scratch);
        port.Out(UartRegister.Scratch, 0xa5);
        byte first = port.In(UartRegister.Scratch);
        port.Out(UartRegister.Scratch, 0x5a);
        byte second = port.In(UartRegister.Scratch);
        port.Out(UartRegister.Scratch, saved);
        return first == 0xa5 && second == 0x5a ? "16450" : "8250";
    }

    private static string Autoconfig16550A(DeviceHarness<Uart16550Device> port)
    {
        // EFR present with DLAB set? Only an ST16C650V1 passes.
        port.Out(UartRegister.LineControl, LcrConfModeA);
        if (port.In(Efr) == 0)
            return "16650 or Motorola DUART";
        // EFR with LCR = 0xbf (ST16C650V2, TI16C752)?
        port.Out(UartRegister.LineControl, LcrConfModeB);
        if (port.In(Efr) == 0)
            return "16650V2";

        // National Semiconductor SuperIO: EXCR1 in bank 2 mirrors MCR's LOOP bit.
        port.Out(UartRegister.LineControl, 0);
        byte mcr = port.In(UartRegister.ModemControl);
        port.Out(UartRegister.LineControl, 0xe0);
        byte excr1 = port.In(0x02);
        if (((excr1 ^ mcr) & (byte)Mcr.Loopback) == 0)
        {
            port.Out(UartRegister.LineControl, 0);
            port.Out(UartRegister.ModemControl, (byte)(mcr ^ (byte)Mcr.Loopback));
            port.Out(UartRegister.LineControl, 0xe0);
            excr1 = port.In(0x02);
            port.Out(UartRegister.LineControl, 0);
            port.Out(UartRegister.ModemControl, mcr);
            if (((excr1 ^ mcr) & (byte)Mcr.Loopback) != 0)
                return "NS16550A";
        }

        // TI16750: IIR bit 5 reports the 64-byte FIFO only when enabled under DLAB.
        port.Out(UartRegister.LineControl, 0);
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos | Fcr7_64Byte);
        int status1 = port.In(UartRegister.InterruptIdentification) & 0xe0;
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        port.Out(UartRegister.LineControl, LcrConfModeA);
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos | Fcr7_64Byte);
        int status2 = port.In(UartRegister.InterruptIdentification) & 0xe0;
        port.Out(UartRegister.FifoControl, (byte)Fcr.EnableFifos);
        port.Out(UartRegister.LineControl, 0);
        if (status1 == 0xc0 && status2 == 0xe0)
            return "TI16750";

        // XScale: IER bit 6 (UUE) writable.
        byte ierSave = port.In(UartRegister.InterruptEnable);
        port.Out(UartRegister.InterruptEnable, (byte)(ierSave & ~IerUue));
        string type = "16550A";
        if ((port.In(UartRegister.InterruptEnable) & IerUue) == 0)
        {
            port.Out(UartRegister.InterruptEnable, (byte)(ierSave | IerUue));
            if ((port.In(UartRegister.InterruptEnable) & IerUue) != 0)
                type = "XScale";
        }
        port.Out(UartRegister.InterruptEnable, ierSave);
        return type;
    }
}
