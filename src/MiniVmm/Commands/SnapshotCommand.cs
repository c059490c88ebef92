using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using Hypervisor.Core.Monitoring;
using Hypervisor.Core.Runtime;

namespace MiniVmm.Commands;

/// <summary>
/// <c>minivmm snapshot --monitor tcp:127.0.0.1:PORT FILE</c>: asks a running minivmm, through its
/// monitor, to write a snapshot; prints the monitor's answer. For scripts: the same as typing
/// <c>snapshot FILE</c> at the monitor. Exit code 0 when written, 4 when the VM refused, 2 when no
/// monitor answers at that address.
/// </summary>
internal static class SnapshotCommand
{
    private const string Prompt = "(minivmm) ";

    public static Command Create()
    {
        var monitor = new Option<string>("--monitor") { Description = $"The running VM's monitor: {MonitorEndpoint.Syntax}", Required = true };
        var file = new Argument<FileInfo>("FILE") { Description = "Where the snapshot goes (minivmm --restore FILE resumes it)" };
        var command = new Command("snapshot", "Write a running VM's snapshot through its monitor (--monitor of the run)");
        command.Options.Add(monitor);
        command.Arguments.Add(file);
        command.SetAction(parse => Run(parse.GetValue(monitor)!, parse.GetValue(file)!));
        return command;
    }

    private static int Run(string monitor, FileInfo file)
    {
        MonitorEndpoint endpoint;
        try
        {
            endpoint = MonitorEndpoint.Parse(monitor, Environment.CurrentDirectory);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"minivmm: --monitor: {e.Message}");
            return ExitCodes.BadConfiguration;
        }
        try
        {
            using var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream,
                endpoint.Address.AddressFamily == AddressFamily.Unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
            socket.Connect(endpoint.Address);
            socket.ReceiveTimeout = 60_000;
            using var stream = new NetworkStream(socket);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            ReadAnswer(reader); // the banner
            writer.WriteLine($"snapshot {file.FullName}");
            string answer = ReadAnswer(reader);
            bool refused = answer.StartsWith("error: ", StringComparison.Ordinal);
            (refused ? Console.Error : Console.Out).WriteLine(refused ? $"minivmm: {answer["error: ".Length..]}" : answer);
            return refused ? ExitCodes.LoadFailure : ExitCodes.Success;
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            Console.Error.WriteLine($"minivmm: no monitor answers at {monitor}: {e.Message}");
            return ExitCodes.BadConfiguration;
        }
    }

    private static string ReadAnswer(StreamReader reader)
    {
        var text = new StringBuilder();
        while (!text.ToString().EndsWith(Prompt, StringComparison.Ordinal))
        {
            int c = reader.Read();
            if (c < 0)
                throw new IOException("the monitor closed the connection");
            text.Append((char)c);
        }
        return text.ToString()[..^Prompt.Length].TrimEnd('\n');
    }
}
