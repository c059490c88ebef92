namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// What a virtio device plugin writes: its type, features, queues and configuration space, and one
/// method that takes a request. The transports (<see cref="VirtioMmioTransport"/>,
/// <see cref="VirtioPciTransport"/>) do the rest: feature negotiation, device status, the rings,
/// interrupts, and marking the device NEEDS_RESET when the guest breaks a queue.
/// <code>
/// public void Request(int queue, VirtioRequest request)
/// {
///     var bytes = new byte[request.WritableLength];
///     RandomNumberGenerator.Fill(bytes);
///     request.Complete(request.Write(0, bytes));
/// }
/// </code>
/// </summary>
public interface IVirtioDevice
{
    /// <summary>The virtio device ID (<see cref="VirtioDeviceType"/>).</summary>
    ushort DeviceType { get; }

    /// <summary>The device's own feature bits (0-23); the transport adds <see cref="VirtioFeatures.Transport"/>.</summary>
    ulong Features { get; }

    /// <summary>The maximum size of each queue (powers of two); the count is the number of queues.</summary>
    IReadOnlyList<ushort> QueueSizes { get; }

    /// <summary>Bytes of the device-specific configuration space.</summary>
    int ConfigSize { get; }

    /// <summary>Reads <paramref name="data"/>.Length bytes of configuration space at <paramref name="offset"/> (inside <see cref="ConfigSize"/>).</summary>
    void ReadConfig(int offset, Span<byte> data);

    /// <summary>A driver write to configuration space; most devices ignore it.</summary>
    void WriteConfig(int offset, ReadOnlySpan<byte> data) { }

    /// <summary>The driver set DRIVER_OK with these negotiated features: the device is live.</summary>
    void Activate(ulong features) { }

    /// <summary>
    /// The driver made <paramref name="request"/> available on <paramref name="queue"/>. Complete it
    /// now or later (from any thread) with <see cref="VirtioRequest.Complete"/>. Called on the thread
    /// of the guest's notification (a vCPU, or an ioeventfd thread on KVM); a device with slow work
    /// hands it to its own thread and returns.
    /// </summary>
    void Request(int queue, VirtioRequest request);

    /// <summary>
    /// Returns when the device has finished the requests it took and works on (an I/O thread's
    /// queue): called before a snapshot saves the queues. Requests it holds waiting for input stay held.
    /// </summary>
    void Quiesce() { }

    /// <summary>The driver reset the device: drop held requests and return to power-on.</summary>
    void Reset() { }
}
