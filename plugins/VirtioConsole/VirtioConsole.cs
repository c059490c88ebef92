using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace MiniVmm.Devices.VirtioConsole;

/// <summary>
/// The console device (virtio 1.2, section 5.3) with one port and no optional features: the guest's
/// hvc0. Queue 1 (transmitq) carries guest output to the character backend; queue 0 (receiveq)
/// holds the guest's empty buffers until host input arrives, which fills them in order.
/// </summary>
public sealed class VirtioConsole : IVirtioDevice, IDisposable
{
    public const int ReceiveQueue = 0;
    public const int TransmitQueue = 1;
    public const ushort QueueSize = 64;
    /// <summary>cols (2), rows (2), max_nr_ports (4), emerg_wr (4): all zero without features.</summary>
    public const int ConfigBytes = 12;

    private readonly object _lock = new();
    private readonly ICharBackend _backend;
    private readonly Queue<VirtioRequest> _receive = new();

    public VirtioConsole(ICharBackend backend)
    {
        _backend = backend;
        _backend.InputAvailable += DeliverInput;
    }

    public ushort DeviceType => VirtioDeviceType.Console;

    public ulong Features => 0;

    public IReadOnlyList<ushort> QueueSizes { get; } = [QueueSize, QueueSize];

    public int ConfigSize => ConfigBytes;

    public void ReadConfig(int offset, Span<byte> data) => data.Clear();

    public void Request(int queue, VirtioRequest request)
    {
        if (queue == TransmitQueue)
        {
            var chunk = new byte[Math.Min(request.ReadableLength, 4096)];
            for (long done = 0; done < request.ReadableLength; done += chunk.Length)
                _backend.Write(chunk.AsSpan(0, request.Read(done, chunk)));
            request.Complete(0);
            return;
        }
        lock (_lock)
            _receive.Enqueue(request);
        DeliverInput();
    }

    /// <summary>The driver reset the device: the held receive buffers are no longer the device's.</summary>
    public void Reset()
    {
        lock (_lock)
            _receive.Clear();
    }

    public void Dispose()
    {
        _backend.InputAvailable -= DeliverInput;
        _backend.Dispose();
    }

    // Fills held receive buffers with whatever input is waiting; one buffer per batch of input.
    private void DeliverInput()
    {
        lock (_lock)
        {
            while (_receive.TryPeek(out var request))
            {
                var data = new byte[Math.Min(request.WritableLength, 4096)];
                int n = 0;
                while (n < data.Length && _backend.TryRead(out byte b))
                    data[n++] = b;
                if (n == 0)
                    return;
                _receive.Dequeue();
                request.Write(0, data.AsSpan(0, n));
                request.Complete(n);
            }
        }
    }
}

/// <summary>virtio-console on the virtio-mmio transport.</summary>
[Device("virtio-console-mmio", Description = "virtio console (hvc0) on a character backend, virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
[DeviceOption("backend", "stdio, null, file:PATH, tcp:127.0.0.1:PORT, unix:PATH", Default = "stdio")]
public sealed class VirtioConsoleMmio(DeviceContext context) : VirtioMmioTransport(context, new VirtioConsole(context.OpenBackend("backend", "stdio")));

/// <summary>virtio-console on the virtio-pci modern transport.</summary>
[Device("virtio-console-pci", Description = "virtio console (hvc0) on a character backend, virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:07.0); needs a pci-host entry")]
[DeviceOption("backend", "stdio, null, file:PATH, tcp:127.0.0.1:PORT, unix:PATH", Default = "stdio")]
public sealed class VirtioConsolePci(DeviceContext context) : VirtioPciTransport(context, new VirtioConsole(context.OpenBackend("backend", "stdio")), CommunicationClass)
{
    /// <summary>Simple communication controller, "other" subclass: what QEMU gives virtio-serial.</summary>
    public const uint CommunicationClass = 0x07_80_00;
}
