using System.Net;
using System.Net.Sockets;

namespace Hypervisor.Core.Monitoring;

/// <summary>
/// Where the monitor listens: <c>tcp:127.0.0.1:PORT</c> (loopback only: the monitor can read the
/// guest and stop the machine; port 0 picks a free port) or <c>unix:PATH</c>.
/// </summary>
public sealed record MonitorEndpoint(EndPoint Address)
{
    public const string Syntax = "tcp:127.0.0.1:PORT or unix:PATH";

    /// <summary>Parses the --monitor value; throws <see cref="FormatException"/> with the problem.</summary>
    public static MonitorEndpoint Parse(string spec, string baseDirectory)
    {
        if (spec.StartsWith("unix:", StringComparison.Ordinal) && spec.Length > 5)
            return new MonitorEndpoint(new UnixDomainSocketEndPoint(Path.GetFullPath(spec[5..], baseDirectory)));
        if (!spec.StartsWith("tcp:", StringComparison.Ordinal))
            throw new FormatException($"'{spec}' is not {Syntax}");
        var (address, port) = Backends.TcpAddress.Parse(spec[4..], spec, Syntax);
        if (!IPAddress.IsLoopback(address))
            throw new FormatException($"{address} is not a loopback address: the monitor listens on 127.0.0.1 or ::1 only (it can read the guest and stop the machine)");
        return new MonitorEndpoint(new IPEndPoint(address, port));
    }
}
