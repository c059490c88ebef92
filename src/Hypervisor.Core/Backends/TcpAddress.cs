using System.Net;

namespace Hypervisor.Core.Backends;

/// <summary>The HOST:PORT of a <c>tcp:</c> listening address (--gdb, --monitor): an IP address or localhost, a port 0-65535 (0: any free one).</summary>
internal static class TcpAddress
{
    /// <summary>Parses <paramref name="hostPort"/>; a <see cref="FormatException"/> names <paramref name="spec"/> and the expected <paramref name="syntax"/>.</summary>
    public static (IPAddress Address, int Port) Parse(string hostPort, string spec, string syntax)
    {
        int colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort[(colon + 1)..], out int port) || port is < 0 or > 65535)
            throw new FormatException($"'{spec}' has no valid port; expected {syntax}");
        string host = hostPort[..colon].Trim('[', ']');
        IPAddress address = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new FormatException($"'{host}' is not an IP address (use 127.0.0.1)");
        return (address, port);
    }
}
