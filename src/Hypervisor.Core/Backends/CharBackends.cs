using System.Globalization;
using System.Net;
using Hypervisor.Abstractions;
using Serilog;

namespace Hypervisor.Core.Backends;

/// <summary>Opens a host character backend from its machine-file spec.</summary>
public static class CharBackends
{
    /// <summary>The specs <see cref="Open"/> understands, for error messages and documentation.</summary>
    public const string Syntax = "stdio, null, file:PATH, tcp:127.0.0.1:PORT[,wait|,nowait][,public], unix:PATH[,wait|,nowait]";

    /// <summary>
    /// Opens <paramref name="spec"/>: <c>"stdio"</c>; <c>"null"</c>; <c>"file:PATH"</c> (output,
    /// created or truncated); <c>"tcp:HOST:PORT[,wait|,nowait]"</c> (a server socket; <c>wait</c>, the
    /// default as in QEMU, returns only once a client has connected; port 0 picks a free port; an
    /// address other than loopback needs <c>,public</c>, since it opens the guest console to the network);
    /// <c>"unix:PATH[,wait|,nowait]"</c> (a Unix socket server). Relative paths resolve against
    /// <paramref name="baseDirectory"/>. Throws <see cref="DeviceConfigurationException"/> (option
    /// "backend") when the spec is wrong or the backend cannot be opened. With
    /// <paramref name="waitForClients"/> false, <c>wait</c> is ignored (for <c>minivmm check</c>, which
    /// validates a machine file without running it).
    /// </summary>
    public static ICharBackend Open(string spec, string baseDirectory, ILogger? log = null, bool waitForClients = true)
    {
        int colon = spec.IndexOf(':');
        string kind = colon < 0 ? spec : spec[..colon];
        string argument = colon < 0 ? "" : spec[(colon + 1)..];
        return kind switch
        {
            "stdio" when argument.Length == 0 => StdioBackend.Shared,
            "null" when argument.Length == 0 => new NullBackend(),
            "file" when argument.Length > 0 => FileBackend.Open(Path.GetFullPath(argument, baseDirectory)),
            "tcp" => OpenTcp(spec, argument, log, waitForClients),
            "unix" => OpenUnix(spec, argument, baseDirectory, log, waitForClients),
            _ => throw new DeviceConfigurationException("backend", $"unknown backend '{spec}' (expected {Syntax})"),
        };
    }

    private static SocketServerBackend OpenTcp(string spec, string argument, ILogger? log, bool waitForClients)
    {
        (string address, bool wait, bool isPublic) = SplitFlags(spec, argument, allowPublic: true);
        int colon = address.LastIndexOf(':');
        if (colon <= 0)
            throw Bad(spec, "expected tcp:HOST:PORT, e.g. tcp:127.0.0.1:4444");
        string host = address[..colon].Trim('[', ']');
        string portText = address[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > IPEndPoint.MaxPort)
            throw Bad(spec, $"'{portText}' is not a TCP port (0-65535)");
        IPAddress ip = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed : throw Bad(spec, $"'{host}' is not an IP address (use 127.0.0.1)");
        if (!IPAddress.IsLoopback(ip) && !isPublic)
            throw Bad(spec, $"{ip} would open the guest console to the network; use 127.0.0.1, or add ,public to listen on {ip} on purpose");
        return SocketServerBackend.ListenTcp(ip, port, wait && waitForClients, log);
    }

    private static SocketServerBackend OpenUnix(string spec, string argument, string baseDirectory, ILogger? log, bool waitForClients)
    {
        (string path, bool wait, _) = SplitFlags(spec, argument, allowPublic: false);
        if (path.Length == 0)
            throw Bad(spec, "expected unix:PATH");
        return SocketServerBackend.ListenUnix(Path.GetFullPath(path, baseDirectory), wait && waitForClients, log);
    }

    private static (string Address, bool Wait, bool Public) SplitFlags(string spec, string argument, bool allowPublic)
    {
        string[] parts = argument.Split(',');
        bool wait = true;
        bool isPublic = false;
        string expected = allowPublic ? "wait, nowait or public" : "wait or nowait";
        foreach (string flag in parts.Skip(1))
        {
            switch (flag)
            {
                case "wait" or "nowait":
                    wait = flag == "wait";
                    break;
                case "public" when allowPublic:
                    isPublic = true;
                    break;
                default:
                    throw Bad(spec, $"unknown flag '{flag}' (expected {expected})");
            }
        }
        return (parts[0], wait, isPublic);
    }

    private static DeviceConfigurationException Bad(string spec, string why)
        => new("backend", $"backend '{spec}': {why}");
}
