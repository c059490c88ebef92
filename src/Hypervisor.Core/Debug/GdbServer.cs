using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Serilog;

namespace Hypervisor.Core.Debug;

/// <summary>What the gdb client did, in the order it did it.</summary>
internal abstract record GdbEvent
{
    /// <summary>A packet's payload (checksum verified, acknowledged).</summary>
    public sealed record Packet(string Payload) : GdbEvent;
    /// <summary>A client connected: gdb expects the target stopped.</summary>
    public sealed record Connected : GdbEvent;
    /// <summary>Ctrl-C (0x03) while the guest runs.</summary>
    public sealed record Interrupt : GdbEvent;
    /// <summary>The client went away (as a detach).</summary>
    public sealed record Disconnected : GdbEvent;
}

/// <summary>
/// The gdb remote serial protocol's transport: a TCP listener taking one client at a time, packet
/// framing (<c>$payload#checksum</c>, +/- acknowledgements) and Ctrl-C. Packets are queued for the
/// vCPU thread; <see cref="Attention"/> is raised on a connection, an interrupt or a disconnection,
/// so a running vCPU can be asked to stop.
/// </summary>
internal sealed class GdbServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly ILogger _log;
    private readonly BlockingCollection<GdbEvent> _events = new();
    private readonly Thread _acceptThread;
    private volatile Socket? _client;
    private volatile bool _disposed;
    private string _lastSent = "";
    private bool _noAck;

    public GdbServer(GdbEndpoint endpoint, ILogger log)
    {
        _log = log;
        _listener = new TcpListener(endpoint.Address, endpoint.Port);
        _listener.Start(1);
        _acceptThread = new Thread(AcceptLoop) { Name = "gdb-accept", IsBackground = true };
        _acceptThread.Start();
    }

    /// <summary>Raised (on the server's thread) when the client connects, sends Ctrl-C or goes away.</summary>
    public event Action? Attention;

    /// <summary>The address really listened on (port 0 resolved).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public bool IsConnected => _client != null;

    /// <summary>The next event, or null after <paramref name="timeout"/>.</summary>
    public GdbEvent? Next(TimeSpan timeout) => _events.TryTake(out var e, timeout) ? e : null;

    /// <summary>Sends one packet; a lost client is noticed by the reader.</summary>
    public void Send(string payload)
    {
        var client = _client;
        if (client == null)
            return;
        byte sum = 0;
        foreach (char c in payload)
            sum += (byte)c;
        string framed = $"${payload}#{sum:x2}";
        _lastSent = framed;
        try
        {
            client.Send(Encoding.ASCII.GetBytes(framed));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _log.Debug("gdb: send failed: {Message}", e.Message);
        }
    }

    /// <summary>After QStartNoAckMode's OK: no more +/- either way.</summary>
    public void StopAcknowledging() => _noAck = true;

    /// <summary>Closes the client's connection (after D or k); the listener takes the next one.</summary>
    public void CloseClient()
    {
        var client = _client;
        _client = null;
        try
        {
            client?.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        client?.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket socket;
            try
            {
                socket = _listener.AcceptSocket();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            socket.NoDelay = true;
            _noAck = false;
            _client = socket;
            _log.Information("gdb connected from {Remote}", socket.RemoteEndPoint);
            Raise(new GdbEvent.Connected());
            ReadPackets(socket);
            if (_client == socket)
                _client = null;
            socket.Dispose();
            if (!_disposed)
            {
                _log.Information("gdb disconnected");
                Raise(new GdbEvent.Disconnected());
            }
        }
    }

    private void ReadPackets(Socket socket)
    {
        var buffer = new byte[4096];
        var packet = new StringBuilder();
        int state = 0; // 0: between packets, 1: in a payload, 2 and 3: the checksum's two digits
        string checksum = "";
        while (true)
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            if (n == 0)
                return;
            for (int i = 0; i < n; i++)
            {
                char c = (char)buffer[i];
                switch (state)
                {
                    case 0 when c == '$':
                        packet.Clear();
                        state = 1;
                        break;
                    case 0 when c == '\x03':
                        Raise(new GdbEvent.Interrupt());
                        break;
                    case 0 when c == '-' && !_noAck:
                        Resend(socket);
                        break;
                    case 0:
                        break; // '+' and noise between packets
                    case 1 when c == '#':
                        checksum = "";
                        state = 2;
                        break;
                    case 1:
                        packet.Append(c);
                        break;
                    default:
                        checksum += c;
                        if (++state < 4)
                            break;
                        state = 0;
                        Received(socket, packet.ToString(), checksum);
                        break;
                }
            }
        }
    }

    private void Received(Socket socket, string payload, string checksum)
    {
        byte sum = 0;
        foreach (char c in payload)
            sum += (byte)c;
        bool good = _noAck || (byte.TryParse(checksum, System.Globalization.NumberStyles.HexNumber, null, out byte given) && given == sum);
        if (!_noAck)
            TrySend(socket, good ? "+" : "-");
        if (good)
            _events.Add(new GdbEvent.Packet(payload));
    }

    private void Resend(Socket socket)
    {
        if (_lastSent.Length > 0)
            TrySend(socket, _lastSent);
    }

    private static void TrySend(Socket socket, string text)
    {
        try
        {
            socket.Send(Encoding.ASCII.GetBytes(text));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Attention first, then the event: whoever takes the event knows the attention it raised is spent.</summary>
    private void Raise(GdbEvent e)
    {
        Attention?.Invoke();
        _events.Add(e);
    }

    public void Dispose()
    {
        _disposed = true;
        _listener.Stop();
        CloseClient();
    }
}
