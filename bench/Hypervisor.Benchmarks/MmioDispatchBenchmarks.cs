using BenchmarkDotNet.Attributes;
using Hypervisor.Abstractions;
using Hypervisor.Core.Bus;

namespace Hypervisor.Benchmarks;

/// <summary>
/// MMIO dispatch: a guest load as the exit loop hands it to the MmioBus — the last-hit cache when
/// a guest hammers one device, the binary search when it alternates between sixteen — against a
/// direct call to the device. Sixteen windows of 4 KiB, the way PCI BARs sit in the hole below 4 GiB.
/// </summary>
[MemoryDiagnoser]
public class MmioDispatchBenchmarks
{
    private const int AccessesPerInvoke = 4096;
    private const int Devices = 16;
    private const ulong Base = 0xfe00_0000;
    private const ulong Stride = 0x1000;

    private readonly MmioBus _bus = new();
    private readonly Register _direct = new();

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Devices; i++)
            _bus.Register(Base + (ulong)i * Stride, i == 0 ? _direct : new Register(), $"bar{i}");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = AccessesPerInvoke)]
    public ulong Direct_call_load()
    {
        ulong sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
            sum += _direct.Read(8, 4);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public ulong Bus_load_same_device()
    {
        ulong sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
            sum += _bus.Read(Base + 8, 4);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = AccessesPerInvoke)]
    public ulong Bus_load_alternating_devices()
    {
        ulong sum = 0;
        for (int i = 0; i < AccessesPerInvoke; i++)
            sum += _bus.Read(Base + (ulong)(i * 7 % Devices) * Stride + 8, 4);
        return sum;
    }

    /// <summary>A 4 KiB window whose registers read back what was written.</summary>
    private sealed class Register : IMmioDevice
    {
        private ulong _value = 1;

        public ulong MmioSize => Stride;

        public ulong Read(ulong offset, int size) => _value;

        public void Write(ulong offset, int size, ulong value) => _value = value;
    }
}
