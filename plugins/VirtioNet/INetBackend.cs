namespace MiniVmm.Devices.VirtioNet;

/// <summary>
/// Where virtio-net's frames go and come from: a UDP wire (<see cref="UdpNetBackend"/>), a stream
/// socket to another VM (<see cref="StreamNetBackend"/>) or a host TAP interface
/// (<see cref="TapNetBackend"/>). Frames arrive on the backend's own thread.
/// </summary>
public interface INetBackend : IDisposable
{
    /// <summary>Called on the backend's thread with each frame.</summary>
    event Action<ReadOnlyMemory<byte>>? FrameReceived;

    /// <summary>Called when <see cref="LinkUp"/> changes (a peer connected or went away).</summary>
    event Action<bool>? LinkChanged;

    /// <summary>Whether frames can pass now (VIRTIO_NET_S_LINK_UP).</summary>
    bool LinkUp { get; }

    /// <summary>Starts receiving (after the device subscribed).</summary>
    void Start();

    /// <summary>Sends one frame; a frame with nowhere to go is lost, as on a wire.</summary>
    void Send(ReadOnlySpan<byte> frame);
}
