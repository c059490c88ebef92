using System.Net;
using System.Net.Sockets;
using Hypervisor.Abstractions;
using Serilog;

namespace Hypervisor.Core.Backends;

/// <summary>
/// A listening socket (TCP on a local address, or a Unix socket) that one client at a time
/// connects to; when it leaves, the next connection is accepted. Output written while no client is
/// connected is kept (up to <see cref="BacklogLimit"/> bytes, oldest dropped first) and sent when
/// one arrives. Input is read only as fast as the device takes it.
/// </summary>
public sealed class SocketServerBackend : ICharBackend, IAbandonableOutput
{
    /// <summary>Output kept for the next client while none is connected.</summary>
    public const int BacklogLimit = 64 * 1024;

    private readonly Socket _listener;
    private readonly string _description;
    private readonly string? _unixPath;
    private readonly ILogger _log;
    private readonly object _lock = new();
    private readonly InputQueue _input = new();
    private readonly Queue<byte> _backlog = new();
    private readonly ManualResetEventSlim _firstClient = new();
    private readonly Thread _acceptThread;
    private Socket? _client;
    private bool _disposed;
    private volatile bool _abandoned;

    private SocketServerBackend(Socket listener, string description, string? unixPath, ILogger log)
    {
        _listener = listener;
        _description = description;
        _unixPath = unixPath;
        _log = log;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"backend {description}" };
        _acceptThread.Start();
    }

    public event Action? InputAvailable;

    /// <summary>The address clients connect to (the actual port when 0 was asked for).</summary>
    public EndPoint LocalEndPoint => _listener.LocalEndPoint!;

    /// <summary>True while a client is connected.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_lock)
                return _client is not null;
        }
    }

    /// <summary>Listens on TCP <paramref name="address"/>:<paramref name="port"/>; with <paramref name="wait"/>, returns only once a client has connected.</summary>
    public static SocketServerBackend ListenTcp(IPAddress address, int port, bool wait, ILogger? log = null)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(1);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            string why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"port {port} is already in use",
                SocketError.AddressNotAvailable => $"{address} is not an address of this host",
                SocketError.AccessDenied => $"not allowed to listen on port {port}",
                _ => e.Message,
            };
            throw new DeviceConfigurationException("backend", $"cannot listen on {Describe(address, port)}: {why}");
        }
        // The port actually bound: with port 0, the one the system picked.
        return Start(listener, Describe(address, ((IPEndPoint)listener.LocalEndPoint!).Port), null, wait, log);
    }

    private static string Describe(IPAddress address, int port)
        => address.AddressFamily == AddressFamily.InterNetworkV6 ? $"tcp:[{address}]:{port}" : $"tcp:{address}:{port}";

    /// <summary>Listens on the Unix socket <paramref name="path"/> (a stale socket file left by a dead VMM is replaced).</summary>
    public static SocketServerBackend ListenUnix(string path, bool wait, ILogger? log = null)
    {
        string description = $"unix:{path}";
        if (File.Exists(path) || Directory.Exists(path))
            RemoveStaleSocket(path, description);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
        }
        catch (Exception e) when (e is SocketException or IOException or ArgumentException)
        {
            listener.Dispose();
            throw new DeviceConfigurationException("backend", $"cannot listen on {description}: {e.Message}");
        }
        return Start(listener, description, path, wait, log);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        if (_abandoned)
            return;
        lock (_lock)
        {
            if (_client is null)
            {
                Keep(data);
                return;
            }
            try
            {
                _client.Send(data);
            }
            catch (SocketException)
            {
                // The client went away mid-write: keep the data for the next one.
                DropClient(_client);
                Keep(data);
            }
        }
    }

    public bool TryRead(out byte value) => _input.TryTake(out value);

    public void Flush() { }

    /// <summary>Blocks until a client is connected, or <paramref name="timeout"/> passes.</summary>
    public bool WaitForClient(TimeSpan timeout) => _firstClient.Wait(timeout);

    /// <summary>
    /// Drops output from now on and unblocks a write stuck on a client that stopped reading (its
    /// sending side is shut down, so Send fails at once). Does not wait for the lock such a write holds.
    /// </summary>
    public void AbandonOutput()
    {
        _abandoned = true;
        try
        {
            Volatile.Read(ref _client)?.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Socket? client;
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            client = _client;
        }
        HostOutputs.Remove(this);
        _input.Close();
        if (client is not null)
        {
            // Closing a socket another thread is blocked on is abortive (RST) and would discard output
            // still in flight: shut it down so the reader returns, and let that thread close it gracefully.
            try
            {
                client.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            if (Thread.CurrentThread != _acceptThread)
                _acceptThread.Join(TimeSpan.FromSeconds(2));
            client.Dispose();
        }
        _listener.Dispose();
        if (_unixPath is not null)
            TryDelete(_unixPath);
    }

    private static SocketServerBackend Start(Socket listener, string description, string? unixPath, bool wait, ILogger? log)
    {
        var logger = log ?? Log.Logger;
        var backend = new SocketServerBackend(listener, description, unixPath, logger);
        HostOutputs.Add(backend);
        if (listener.LocalEndPoint is IPEndPoint { Address: var address } && !IPAddress.IsLoopback(address))
            logger.Warning("the guest console on {Backend} is open to the network: anyone who reaches this host can use it", description);
        if (wait)
        {
            // Shown at the default log level: the user must see why nothing happens, and where to connect.
            if (log is null)
                Console.Error.WriteLine($"minivmm: waiting for a client to connect to {description} (add ,nowait to start without one)");
            else
                log.Warning("waiting for a client to connect to {Backend} (add ,nowait to start without one)", description);
            backend._firstClient.Wait();
        }
        return backend;
    }

    private void AcceptLoop()
    {
        var buffer = new byte[4096];
        while (true)
        {
            lock (_lock)
            {
                if (_disposed)
                    return;
            }
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // the listener was closed
            }
            lock (_lock)
            {
                if (_disposed)
                {
                    client.Dispose();
                    return;
                }
                _client = client;
                SendBacklog(client);
            }
            _log.Information("client connected to {Backend}", _description);
            _firstClient.Set();
            ReadFrom(client, buffer);
            lock (_lock)
            {
                // When Dispose shut the connection down, it closes the socket itself once its own
                // Shutdown call is complete: closing it here could race that call and reset the
                // connection, discarding output still in flight.
                if (_disposed)
                    return;
                DropClient(client);
            }
            _log.Information("client left {Backend}; waiting for the next", _description);
        }
    }

    private void ReadFrom(Socket client, byte[] buffer)
    {
        try
        {
            int n;
            while ((n = client.Receive(buffer)) > 0)
            {
                if (!_input.Add(buffer.AsSpan(0, n)))
                    return;
                InputAvailable?.Invoke();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset or closed: the next client is accepted.
        }
    }

    private void SendBacklog(Socket client)
    {
        if (_backlog.Count == 0)
            return;
        byte[] pending = _backlog.ToArray();
        _backlog.Clear();
        try
        {
            client.Send(pending);
        }
        catch (SocketException)
        {
            foreach (byte b in pending)
                _backlog.Enqueue(b);
        }
    }

    private void Keep(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (_backlog.Count == BacklogLimit)
                _backlog.Dequeue();
            _backlog.Enqueue(b);
        }
    }

    private void DropClient(Socket client)
    {
        if (ReferenceEquals(_client, client))
            _client = null;
        client.Dispose();
    }

    private static void RemoveStaleSocket(string path, string description)
    {
        if (Directory.Exists(path) || new FileInfo(path).Length != 0)
            throw new DeviceConfigurationException("backend", $"cannot listen on {description}: the path exists and is not a socket");
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            TryDelete(path); // nobody listens: a socket file left by a process that died
            return;
        }
        throw new DeviceConfigurationException("backend", $"cannot listen on {description}: another program is listening there");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
