using Hypervisor.Abstractions;

namespace Hypervisor.Core.Tests.Bus;

/// <summary>A port and MMIO device that remembers every access and answers reads with offset + 0x40.</summary>
internal sealed class RecordingDevice(int portCount = 8, ulong mmioSize = 0x1000) : IPortDevice, IMmioDevice
{
    public List<string> Accesses { get; } = [];

    public int PortCount => portCount;

    public ulong MmioSize => mmioSize;

    public uint Read(ushort offset, int size)
    {
        Accesses.Add($"in {offset}/{size}");
        return 0x40u + offset;
    }

    public void Write(ushort offset, int size, uint value) => Accesses.Add($"out {offset}/{size}={value:x}");

    public ulong Read(ulong offset, int size)
    {
        Accesses.Add($"load {offset:x}/{size}");
        return 0x40UL + offset;
    }

    public void Write(ulong offset, int size, ulong value) => Accesses.Add($"store {offset:x}/{size}={value:x}");
}
