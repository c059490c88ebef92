using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>
/// The network device (virtio 1.2, section 5.1) without offloads: a MAC address, the link status
/// of its backend (VIRTIO_NET_F_STATUS: a stream backend's link is down until its peer connects, and
/// each change is a configuration interrupt), one receive and one transmit queue. Transmitted chains lose their 12-byte header and go to the
/// backend as frames; received frames fill the receive buffers the guest posted, header first (no
/// offloads, one buffer), or wait (up to <see cref="PendingFrames"/>, then dropped as a full NIC would).
/// Its own saved state is the frames waiting and the drop count (the transport saves the queues and
/// the receive buffers held).
/// </summary>
public sealed class VirtioNet : IVirtioDevice, IDeviceState, IDisposable
{
    public const ushort QueueSize = 256;
    public const int PendingFrames = 64;

    private readonly object _lock = new();
    private readonly byte[] _config = new byte[NetSpec.ConfigSize];
    private readonly Queue<VirtioRequest> _buffers = new();
    private readonly Queue<ReadOnlyMemory<byte>> _frames = new();
    private readonly INetBackend? _backend;

    public VirtioNet(byte[] mac, INetBackend? backend)
    {
        mac.CopyTo(_config, NetSpec.ConfigMac);
        _backend = backend;
        SetLink(backend?.LinkUp ?? true);
        if (_backend != null)
        {
            _backend.FrameReceived += Receive;
            _backend.LinkChanged += LinkChanged;
            _backend.Start();
        }
    }

    /// <summary>Tells the driver the configuration changed (the transport's <see cref="VirtioCore.ConfigChanged"/>), set once the transport exists.</summary>
    public Action? ConfigChanged { get; set; }

    /// <summary>VIRTIO_NET_S_LINK_UP as the driver reads it.</summary>
    public bool LinkUp => (_config[NetSpec.ConfigStatus] & NetSpec.StatusLinkUp) != 0;

    /// <summary>Frames dropped because the guest had no receive buffer and the pending queue was full.</summary>
    public long Dropped { get; private set; }

    public ushort DeviceType => VirtioDeviceType.Network;

    public ulong Features => NetSpec.FeatureMac | NetSpec.FeatureStatus;

    public IReadOnlyList<ushort> QueueSizes { get; } = [QueueSize, QueueSize];

    public int ConfigSize => NetSpec.ConfigSize;

    public void ReadConfig(int offset, Span<byte> data) => _config.AsSpan(offset, data.Length).CopyTo(data);

    public void Request(int queue, VirtioRequest request)
    {
        if (queue == NetSpec.TransmitQueue)
        {
            long length = request.ReadableLength - NetSpec.HeaderSize;
            if (length is > 0 and <= NetSpec.MaxFrame)
            {
                var frame = new byte[length];
                request.Read(NetSpec.HeaderSize, frame);
                _backend?.Send(frame);
            }
            request.Complete(0);
            return;
        }
        lock (_lock)
        {
            _buffers.Enqueue(request);
            Deliver();
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _buffers.Clear();
            _frames.Clear();
        }
    }

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteInt64(Dropped);
            writer.WriteInt32(_frames.Count);
            foreach (var frame in _frames)
                writer.WriteBytes(frame.Span);
        }
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("virtio-net", version, StateVersion);
        lock (_lock)
        {
            Dropped = reader.ReadInt64();
            int count = reader.ReadInt32();
            if (count is < 0 or > PendingFrames)
                throw new StateFormatException($"virtio-net: {count} frames waiting, not 0-{PendingFrames}");
            _frames.Clear();
            for (int i = 0; i < count; i++)
                _frames.Enqueue(reader.ReadBytes());
        }
    }

    public void Dispose() => _backend?.Dispose();

    private void SetLink(bool up)
    {
        lock (_lock)
            _config[NetSpec.ConfigStatus] = up ? (byte)NetSpec.StatusLinkUp : (byte)0;
    }

    private void LinkChanged(bool up)
    {
        SetLink(up);
        ConfigChanged?.Invoke();
    }

    private void Receive(ReadOnlyMemory<byte> frame)
    {
        lock (_lock)
        {
            if (_frames.Count == PendingFrames)
            {
                Dropped++;
                return;
            }
            _frames.Enqueue(frame);
            Deliver();
        }
    }

    // Caller holds _lock.
    private void Deliver()
    {
        Span<byte> header = stackalloc byte[NetSpec.HeaderSize];
        header[NetSpec.HeaderNumBuffers] = 1;
        while (_buffers.Count > 0 && _frames.TryDequeue(out var frame))
        {
            var buffer = _buffers.Dequeue();
            if (buffer.WritableLength < NetSpec.HeaderSize + frame.Length)
            {
                Dropped++; // a buffer too small for the frame: the guest gets it back empty
                buffer.Complete(0);
                continue;
            }
            buffer.Write(0, header);
            buffer.Write(NetSpec.HeaderSize, frame.Span);
            buffer.Complete(NetSpec.HeaderSize + frame.Length);
        }
    }
}
