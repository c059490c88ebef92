using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>A user at minivmm's monitor: connects to the address minivmm announces and types commands.</summary>
public sealed partial class MonitorClient : IDisposable
{
    private const string Prompt = "(minivmm) ";
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;

    private MonitorClient(int port)
    {
        _client = new TcpClient("127.0.0.1", port);
        _client.ReceiveTimeout = 30_000;
        var stream = _client.GetStream();
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        Banner = ReadUntilPrompt();
    }

    public string Banner { get; }

    /// <summary>Waits for "monitor on tcp:127.0.0.1:PORT" on minivmm's stderr and connects.</summary>
    public static MonitorClient Connect(Func<string> stderr) => new(Port(stderr));

    /// <summary>Waits for "monitor on tcp:127.0.0.1:PORT" on minivmm's stderr: the port.</summary>
    public static int Port(Func<string> stderr)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (Announcement().Match(stderr()) is { Success: true } m)
                return int.Parse(m.Groups[1].Value);
            Thread.Sleep(20);
        }
        throw new TimeoutException($"minivmm announced no monitor; stderr: {stderr()}");
    }

    /// <summary>Sends one command and returns its answer (without the prompt).</summary>
    public string Send(string command)
    {
        _writer.WriteLine(command);
        return ReadUntilPrompt().TrimEnd('\n');
    }

    /// <summary>Sends commands until <paramref name="answered"/> holds for the answer (e.g. the guest got far enough).</summary>
    public string SendUntil(string command, Func<string, bool> answered)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            string answer = Send(command);
            if (answered(answer) || watch.Elapsed > TimeSpan.FromSeconds(30))
                return answer;
            Thread.Sleep(50);
        }
    }

    private string ReadUntilPrompt()
    {
        var text = new StringBuilder();
        while (!text.ToString().EndsWith(Prompt, StringComparison.Ordinal))
        {
            int c = _reader.Read();
            if (c < 0)
                break; // the session ended (quit)
            text.Append((char)c);
        }
        string all = text.ToString();
        return all.EndsWith(Prompt, StringComparison.Ordinal) ? all[..^Prompt.Length] : all;
    }

    [GeneratedRegex(@"monitor on tcp:127\.0\.0\.1:(\d+)")]
    private static partial Regex Announcement();

    public void Dispose() => _client.Dispose();
}
