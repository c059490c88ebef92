using Hypervisor.Abstractions.Virtio;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>
/// A virtio device made for the SDK's tests (type 0x3f, one queue of 8, 4 config bytes): it copies
/// what it reads into what it writes, reversed, and completes at once, or holds requests when asked.
/// </summary>
public sealed class EchoDevice : IVirtioDevice
{
    public const ushort Size = 8;

    public ushort DeviceType => 0x3f;

    public ulong Features => 1UL << 3;

    public IReadOnlyList<ushort> QueueSizes { get; } = [Size];

    public int ConfigSize => 4;

    public List<VirtioRequest> Requests { get; } = [];

    public bool Hold { get; set; }

    public int Resets { get; private set; }

    public ulong? Activated { get; private set; }

    public void ReadConfig(int offset, Span<byte> data)
    {
        byte[] config = [0xde, 0xad, 0xbe, 0xef];
        config.AsSpan(offset, data.Length).CopyTo(data);
    }

    public void Activate(ulong features) => Activated = features;

    public void Request(int queue, VirtioRequest request)
    {
        Requests.Add(request);
        if (Hold)
            return;
        var data = new byte[request.ReadableLength];
        request.Read(0, data);
        Array.Reverse(data);
        request.Complete(request.Write(0, data));
    }

    public void Reset() => Resets++;
}

/// <summary>The echo device on virtio-mmio, as a plugin would declare it.</summary>
[Device("virtio-echo-mmio", Mmio = Base, Irq = 5)]
public sealed class EchoMmio(DeviceContext context) : VirtioMmioTransport(context, new EchoDevice())
{
    public const ulong Base = 0xd000_0000;

    public EchoDevice Echo => (EchoDevice)Core.Device;
}

/// <summary>The echo device on virtio-pci.</summary>
[Device("virtio-echo-pci", Irq = 11)]
[DeviceOption("pciAddress", "where")]
public sealed class EchoPci(DeviceContext context) : VirtioPciTransport(context, new EchoDevice(), 0xff_00_00)
{
    public EchoDevice Echo => (EchoDevice)Core.Device;
}
