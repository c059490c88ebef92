using BenchmarkDotNet.Attributes;
using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Hypervisor.Benchmarks;

/// <summary>
/// 16550 transmit throughput: guest THR writes through the device model into a backend, per byte.
/// "Polled" adds the LSR read a polling driver does before every byte; "interrupt-driven" adds
/// the IIR read an interrupt handler does with FIFOs and the THRE interrupt enabled.
/// </summary>
[MemoryDiagnoser]
public class UartBenchmarks
{
    private const int BytesPerInvoke = 4096;

    private DeviceHarness<Uart16550Device> _toNull = null!;
    private DeviceHarness<Uart16550Device> _toMemory = null!;
    private DeviceHarness<Uart16550Device> _interruptDriven = null!;

    [GlobalSetup]
    public void Setup()
    {
        _toNull = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "null" });
        _toMemory = DeviceHarness.Create<Uart16550Device>();
        _interruptDriven = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "null" });
        _interruptDriven.Out(UartRegister.FifoControl, (byte)(Fcr.EnableFifos | Fcr.ClearReceiveFifo | Fcr.ClearTransmitFifo));
        _interruptDriven.Out(UartRegister.ModemControl, (byte)(Mcr.Out2 | Mcr.DataTerminalReady | Mcr.RequestToSend));
        _interruptDriven.Out(UartRegister.InterruptEnable, (byte)(Ier.TransmitterHoldingRegisterEmpty | Ier.ReceivedDataAvailable));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _toNull.Dispose();
        _toMemory.Dispose();
        _interruptDriven.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BytesPerInvoke)]
    public void Thr_write_to_null_backend()
    {
        var uart = _toNull.Device;
        for (int i = 0; i < BytesPerInvoke; i++)
            uart.Write(UartRegister.Data, 1, (uint)(i & 0x7f));
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke)]
    public void Polled_lsr_then_thr_to_null_backend()
    {
        var uart = _toNull.Device;
        for (int i = 0; i < BytesPerInvoke; i++)
        {
            while ((uart.Read(UartRegister.LineStatus, 1) & (uint)Lsr.TransmitterHoldingRegisterEmpty) == 0) { }
            uart.Write(UartRegister.Data, 1, (uint)(i & 0x7f));
        }
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke)]
    public void Interrupt_driven_iir_then_thr_to_null_backend()
    {
        var uart = _interruptDriven.Device;
        for (int i = 0; i < BytesPerInvoke; i++)
        {
            uart.Read(UartRegister.InterruptIdentification, 1);
            uart.Write(UartRegister.Data, 1, (uint)(i & 0x7f));
        }
    }

    [Benchmark(OperationsPerInvoke = BytesPerInvoke)]
    public void Thr_write_to_memory_backend()
    {
        var uart = _toMemory.Device;
        for (int i = 0; i < BytesPerInvoke; i++)
            uart.Write(UartRegister.Data, 1, (uint)(i & 0x7f));
        _toMemory.Backend.ClearOutput();
    }
}
