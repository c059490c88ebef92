using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MiniVmm.Tests;

/// <summary>A UART on a <c>tcp:</c> backend: minivmm says where it waits for a client, and refuses to open the console to the network by accident.</summary>
public class TcpConsoleTests
{
    [Fact]
    public void Waiting_for_a_client_is_shown_at_the_default_log_level_with_the_address()
    {
        using var temp = new TempFolder();
        int port = FreePort();
        // mov al, 'K'; mov dx, 0x3f8; out dx, al; hlt
        string machine = temp.RealModeMachine([0xb0, (byte)'K', 0xba, 0xf8, 0x03, 0xee, 0xf4],
            $$"""{ "type": "uart16550", "ports": "0x3f8", "options": { "backend": "tcp:127.0.0.1:{{port}}" } }""");
        string announcement = $"waiting for a client to connect to tcp:127.0.0.1:{port}";
        string received = "";

        var result = Minivmm.RunWatchingStderr(TimeSpan.FromSeconds(60), (process, stderr) =>
        {
            // The announcement comes before any guest instruction; connecting ends the wait.
            var watch = Stopwatch.StartNew();
            while (!stderr().Contains(announcement, StringComparison.Ordinal) && watch.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Sleep(50);
            Assert.True(stderr().Contains(announcement, StringComparison.Ordinal), $"no announcement; stderr: {stderr()}");
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            var buffer = new byte[1];
            client.GetStream().ReadTimeout = 20_000;
            received = client.GetStream().Read(buffer) == 1 ? Encoding.ASCII.GetString(buffer) : "";
        }, "--machine", machine);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("K", received);
    }

    [Fact]
    public void Listening_on_every_interface_needs_public()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xf4], """{ "type": "uart16550", "ports": "0x3f8", "options": { "backend": "tcp:0.0.0.0:0,nowait" } }""");

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("0.0.0.0 would open the guest console to the network", result.Stderr);
    }

    [Fact]
    public void Public_listens_on_every_interface_with_a_warning()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xf4], """{ "type": "uart16550", "ports": "0x3f8", "options": { "backend": "tcp:0.0.0.0:0,nowait,public" } }""");

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is open to the network", result.Stderr);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
