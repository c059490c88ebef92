using System.Net;
using System.Net.Sockets;
using System.Text;
using Serilog;

namespace Hypervisor.Core.Monitoring;

/// <summary>
/// The monitor's socket: one client at a time, one text command per line, each answered by
/// <see cref="MonitorCommands"/> and followed by the prompt, as QEMU's human monitor does. Runs on
/// its own background thread; a command that needs the guest stopped parks the vCPUs itself.
/// </summary>
public sealed class MonitorServer : IDisposable
{
    public const string Prompt = "(minivmm) ";

    private readonly Socket _listener;
    private readonly MonitorCommands _commands;
    private readonly ILogger _log;
    private readonly string? _unixPath;
    private volatile bool _disposed;
    private Socket? _client;

    /// <summary>Listens at once (so the address is known before the guest runs); throws <see cref="SocketException"/> when it cannot.</summary>
    public MonitorServer(MonitorEndpoint endpoint, MonitorCommands commands, ILogger log)
    {
        _commands = commands;
        _log = log;
        if (endpoint.Address is UnixDomainSocketEndPoint unix)
        {
            _unixPath = unix.ToString();
            if (File.Exists(_unixPath))
                File.Delete(_unixPath); // a stale socket of an earlier run
            _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        }
        else
            _listener = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(endpoint.Address);
        _listener.Listen(1);
        new Thread(AcceptLoop) { Name = "monitor", IsBackground = true }.Start();
    }

    /// <summary>What clients connect to: <c>tcp:127.0.0.1:PORT</c> (port resolved) or <c>unix:PATH</c>.</summary>
    public string Address => _listener.LocalEndPoint is IPEndPoint ip ? $"tcp:{ip.Address}:{ip.Port}" : $"unix:{_unixPath}";

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            try
            {
                using var client = _listener.Accept();
                _client = client;
                Serve(client);
            }
            catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
            {
                if (!_disposed)
                    _log.Debug("monitor client: {Message}", e.Message);
            }
            finally
            {
                _client = null;
            }
        }
    }

    private void Serve(Socket client)
    {
        using var stream = new NetworkStream(client);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        writer.WriteLine("MiniVmm monitor - type 'help' for the commands");
        writer.Write(Prompt);
        while (!_disposed && reader.ReadLine() is { } line)
        {
            var reply = _commands.Execute(line.Trim());
            if (reply.Text.Length > 0)
                writer.WriteLine(reply.Text);
            reply.AfterReply?.Invoke();
            if (reply.CloseSession)
                return;
            writer.Write(Prompt);
        }
    }

    /// <summary>Lets vCPUs held by 'stop' go (the machine is stopping).</summary>
    public void Release() => _commands.Release();

    public void Dispose()
    {
        _disposed = true;
        _commands.Release();
        try
        {
            _client?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client is gone already.
        }
        _listener.Dispose();
        if (_unixPath != null)
            File.Delete(_unixPath);
    }
}
