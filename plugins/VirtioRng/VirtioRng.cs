using System.Security.Cryptography;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace MiniVmm.Devices.VirtioRng;

/// <summary>
/// The entropy device (virtio 1.2, section 5.4): one queue; each request's writable buffers are
/// filled from the host's cryptographic generator, up to <see cref="MaxBytesPerRequest"/> bytes.
/// </summary>
public sealed class VirtioRng : IVirtioDevice
{
    public const ushort QueueSize = 64;
    /// <summary>A request gets at most this many bytes (the driver asks again for more).</summary>
    public const int MaxBytesPerRequest = 4096;

    public ushort DeviceType => VirtioDeviceType.Entropy;

    public ulong Features => 0;

    public IReadOnlyList<ushort> QueueSizes { get; } = [QueueSize];

    public int ConfigSize => 0;

    public void ReadConfig(int offset, Span<byte> data) => data.Clear();

    public void Request(int queue, VirtioRequest request)
    {
        Span<byte> bytes = stackalloc byte[(int)Math.Min(request.WritableLength, MaxBytesPerRequest)];
        RandomNumberGenerator.Fill(bytes);
        request.Complete(request.Write(0, bytes));
    }
}

/// <summary>virtio-rng on the virtio-mmio transport.</summary>
[Device("virtio-rng-mmio", Description = "virtio entropy device (host randomness), virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
public sealed class VirtioRngMmio(DeviceContext context) : VirtioMmioTransport(context, new VirtioRng());

/// <summary>virtio-rng on the virtio-pci modern transport.</summary>
[Device("virtio-rng-pci", Description = "virtio entropy device (host randomness), virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:06.0); needs a pci-host entry")]
public sealed class VirtioRngPci(DeviceContext context) : VirtioPciTransport(context, new VirtioRng(), OtherClass)
{
    /// <summary>Class 0x00, subclass 0xff: what QEMU gives virtio-rng.</summary>
    public const uint OtherClass = 0x00_ff_00;
}
