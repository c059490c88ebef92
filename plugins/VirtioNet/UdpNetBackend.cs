using System.Net;
using System.Net.Sockets;
using Serilog;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>
/// Ethernet frames as UDP datagrams between two loopback endpoints, one frame per datagram (QEMU's
/// <c>-netdev dgram</c>): two VMs, each with the other's address as its remote, share a wire. A
/// receive thread hands each arriving frame to <see cref="FrameReceived"/>.
/// </summary>
public sealed class UdpNetBackend : INetBackend
{
    private readonly Socket _socket;
    private readonly IPEndPoint _remote;
    private readonly Thread _receiver;
    private readonly ILogger _logger;
    private volatile bool _closed;

    public UdpNetBackend(IPEndPoint local, IPEndPoint remote, ILogger logger)
    {
        _remote = remote;
        _logger = logger;
        _socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _socket.Bind(local);
        _receiver = new Thread(Receive) { IsBackground = true, Name = $"virtio-net udp {local}" };
    }

    public event Action<ReadOnlyMemory<byte>>? FrameReceived;

    /// <summary>A datagram wire has no link state: always up.</summary>
    public event Action<bool>? LinkChanged { add { } remove { } }

    public bool LinkUp => true;

    public void Start() => _receiver.Start();

    public void Send(ReadOnlySpan<byte> frame)
    {
        try
        {
            _socket.SendTo(frame, SocketFlags.None, _remote);
        }
        catch (SocketException e)
        {
            _logger.Debug("Frame to {Remote} not sent: {Error}", _remote, e.Message); // nobody listening yet: a lost frame, as on a wire
        }
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
        if (_receiver.IsAlive)
            _receiver.Join(TimeSpan.FromSeconds(1));
    }

    private void Receive()
    {
        var buffer = new byte[65536];
        while (!_closed)
        {
            int n;
            try
            {
                n = _socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_closed)
                    return;
                continue; // ICMP port unreachable from an earlier send surfaces here on Linux
            }
            if (n <= NetSpec.MaxFrame)
                FrameReceived?.Invoke(buffer.AsMemory(0, n).ToArray());
        }
    }
}
