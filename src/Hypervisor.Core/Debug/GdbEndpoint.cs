using System.Net;

namespace Hypervisor.Core.Debug;

/// <summary>
/// Where the gdb stub listens: <c>tcp:HOST:PORT[,public]</c>, loopback only unless <c>,public</c> (a
/// debugger can read and write all guest memory). Port 0 picks a free port, announced when listening.
/// </summary>
public sealed record GdbEndpoint(IPAddress Address, int Port)
{
    public const string Syntax = "tcp:127.0.0.1:PORT[,public]";

    /// <summary>Parses the --gdb value; throws <see cref="FormatException"/> with the problem.</summary>
    public static GdbEndpoint Parse(string spec)
    {
        string[] parts = spec.Split(',');
        bool isPublic = false;
        foreach (string flag in parts.Skip(1))
        {
            if (flag != "public")
                throw new FormatException($"'{flag}' is not an option of the gdb address (only 'public'); expected {Syntax}");
            isPublic = true;
        }
        string main = parts[0];
        if (!main.StartsWith("tcp:", StringComparison.Ordinal))
            throw new FormatException($"'{spec}' is not {Syntax}");
        var (address, port) = Backends.TcpAddress.Parse(main[4..], spec, Syntax);
        if (!IPAddress.IsLoopback(address) && !isPublic)
            throw new FormatException($"{address} would open the guest's memory to the network; use 127.0.0.1, or add ,public to listen on {address} on purpose");
        return new GdbEndpoint(address, port);
    }
}
