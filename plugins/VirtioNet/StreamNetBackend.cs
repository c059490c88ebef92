using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Serilog;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>
/// Ethernet frames over a TCP stream between two VMs on this host, as QEMU's <c>-netdev stream</c>
/// frames them: each frame preceded by its length as a 4-byte big-endian number. One VM listens
/// (<c>"listen"</c>), the other connects (<c>"connect"</c>, retrying until the listener is there,
/// and again after the peer goes away). The link is up while the stream is connected.
/// </summary>
public sealed class StreamNetBackend : INetBackend
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly IPEndPoint _endPoint;
    private readonly bool _listen;
    private readonly Socket? _listener;
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private readonly object _sendLock = new();
    private volatile Socket? _peer;
    private volatile bool _closed;

    /// <param name="endPoint">Where to listen, or what to connect to.</param>
    /// <param name="listen">Listen (true) or connect (false).</param>
    /// <param name="logger">Where connects and disconnects are logged.</param>
    public StreamNetBackend(IPEndPoint endPoint, bool listen, ILogger logger)
    {
        _endPoint = endPoint;
        _listen = listen;
        _logger = logger;
        if (listen)
        {
            _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(endPoint);
            _listener.Listen(1);
        }
        _thread = new Thread(Run) { IsBackground = true, Name = $"virtio-net stream {(listen ? "listen" : "connect")} {endPoint}" };
    }

    public event Action<ReadOnlyMemory<byte>>? FrameReceived;

    public event Action<bool>? LinkChanged;

    public bool LinkUp => _peer != null;

    public void Start() => _thread.Start();

    public void Send(ReadOnlySpan<byte> frame)
    {
        var peer = _peer;
        if (peer == null)
            return; // link down: the frame is lost, as on an unplugged cable
        Span<byte> record = stackalloc byte[4 + NetSpec.MaxFrame];
        BinaryPrimitives.WriteUInt32BigEndian(record, (uint)frame.Length);
        frame.CopyTo(record[4..]);
        try
        {
            lock (_sendLock)
                peer.Send(record[..(4 + frame.Length)]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _logger.Debug("Frame to the stream peer not sent: {Error}", e.Message); // the receive loop notices the end
        }
    }

    public void Dispose()
    {
        _closed = true;
        _listener?.Dispose();
        _peer?.Dispose();
        if (_thread.IsAlive)
            _thread.Join(TimeSpan.FromSeconds(1));
    }

    private void Run()
    {
        while (!_closed)
        {
            Socket? peer = _listen ? Accept() : Connect();
            if (peer == null)
                continue;
            peer.NoDelay = true;
            _peer = peer;
            _logger.Information("virtio-net stream: connected to {Peer}; link up", peer.RemoteEndPoint);
            LinkChanged?.Invoke(true);
            ReceiveFrom(peer);
            _peer = null;
            peer.Dispose();
            if (_closed)
                return;
            _logger.Information("virtio-net stream: the peer went away; link down");
            LinkChanged?.Invoke(false);
        }
    }

    private Socket? Accept()
    {
        try
        {
            return _listener!.Accept();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private Socket? Connect()
    {
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(_endPoint);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            Thread.Sleep(RetryDelay); // the listening VM is not up yet
            return null;
        }
    }

    // Length-prefixed records until the stream ends or carries a length no frame can have.
    private void ReceiveFrom(Socket peer)
    {
        var length = new byte[4];
        var frame = new byte[65536];
        while (!_closed)
        {
            if (!ReadExactly(peer, length))
                return;
            uint n = BinaryPrimitives.ReadUInt32BigEndian(length);
            if (n > frame.Length)
            {
                _logger.Warning("virtio-net stream: the peer sent a record of {Length} bytes, not a frame; disconnecting", n);
                return;
            }
            if (!ReadExactly(peer, frame.AsSpan(0, (int)n)))
                return;
            if (n <= NetSpec.MaxFrame)
                FrameReceived?.Invoke(frame.AsMemory(0, (int)n).ToArray());
        }
    }

    private static bool ReadExactly(Socket peer, Span<byte> into)
    {
        try
        {
            while (into.Length > 0)
            {
                int got = peer.Receive(into);
                if (got == 0)
                    return false;
                into = into[got..];
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
