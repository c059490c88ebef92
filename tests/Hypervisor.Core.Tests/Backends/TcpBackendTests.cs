using System.Net;
using System.Net.Sockets;
using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Testing;
using Serilog;
using Serilog.Events;

namespace Hypervisor.Core.Tests.Backends;

public sealed class TcpBackendTests
{
    private static SocketServerBackend OpenNowait()
        => (SocketServerBackend)CharBackends.Open("tcp:127.0.0.1:0,nowait", ".");

    private static List<byte> Drain(ICharBackend backend, int count)
    {
        var got = new List<byte>();
        Assert.True(Eventually.True(() =>
        {
            while (backend.TryRead(out byte b))
                got.Add(b);
            return got.Count >= count;
        }));
        return got;
    }

    [Fact]
    public void Output_reaches_the_connected_client()
    {
        using var backend = OpenNowait();
        using var client = SocketClient.Tcp(backend.LocalEndPoint);
        Assert.True(backend.WaitForClient(TimeSpan.FromSeconds(10)));

        backend.Write("hello"u8);

        Assert.Equal("hello", client.ReceiveText(5));
    }

    [Fact]
    public void Client_input_is_readable_and_announced()
    {
        using var backend = OpenNowait();
        int announcements = 0;
        backend.InputAvailable += () => Interlocked.Increment(ref announcements);
        using var client = SocketClient.Tcp(backend.LocalEndPoint);

        client.Send("typed");

        Assert.Equal("typed", Encoding.Latin1.GetString(Drain(backend, 5).ToArray()));
        // The reader thread announces after queuing the bytes (so a listener always finds them):
        // the test may drain them before the announcement lands.
        Assert.True(Eventually.True(() => Volatile.Read(ref announcements) > 0));
    }

    [Fact]
    public void Output_written_before_a_client_connects_is_delivered_on_connect()
    {
        using var backend = OpenNowait();
        backend.Write("boot banner\n"u8);

        using var client = SocketClient.Tcp(backend.LocalEndPoint);

        Assert.Equal("boot banner\n", client.ReceiveText(12));
    }

    [Fact]
    public void A_client_may_leave_and_another_connect()
    {
        using var backend = OpenNowait();
        using (var first = SocketClient.Tcp(backend.LocalEndPoint))
        {
            backend.Write("1"u8);
            Assert.Equal("1", first.ReceiveText(1));
        }
        Assert.True(Eventually.True(() => !backend.IsConnected));

        using var second = SocketClient.Tcp(backend.LocalEndPoint);
        Assert.True(Eventually.True(() => backend.IsConnected));
        backend.Write("2"u8);

        Assert.Equal("2", second.ReceiveText(1));
    }

    [Fact]
    public async Task Closing_the_backend_delivers_all_output_then_ends_the_connection()
    {
        var backend = OpenNowait();
        using var client = SocketClient.Tcp(backend.LocalEndPoint);
        Assert.True(backend.WaitForClient(TimeSpan.FromSeconds(10)));
        var reading = Task.Factory.StartNew(client.ReceiveToEnd, TaskCreationOptions.LongRunning);
        var data = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 13)).ToArray();

        for (int offset = 0; offset < data.Length; offset += 1000)
            backend.Write(data.AsSpan(offset, 1000));
        backend.Dispose(); // the VM stops

        Assert.Equal(data, await reading.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Wait_blocks_until_a_client_connects()
    {
        int port = FreePort();
        var opening = Task.Factory.StartNew(() => CharBackends.Open($"tcp:127.0.0.1:{port},wait", "."), TaskCreationOptions.LongRunning);
        await Task.WhenAny(opening, Task.Delay(300));
        Assert.False(opening.IsCompleted);

        SocketClient? connected = null;
        Assert.True(Eventually.True(() =>
        {
            try
            {
                connected = SocketClient.Tcp(new IPEndPoint(IPAddress.Loopback, port));
                return true;
            }
            catch (SocketException)
            {
                return false; // not listening yet
            }
        }));
        using var client = connected!;

        using var backend = await opening.WaitAsync(TimeSpan.FromSeconds(10));
        backend.Write("go"u8);
        Assert.Equal("go", client.ReceiveText(2));
    }

    [Fact]
    public void Validation_does_not_wait_for_a_client()
    {
        int port = FreePort();

        using var backend = CharBackends.Open($"tcp:127.0.0.1:{port},wait", ".", waitForClients: false);

        Assert.False(((SocketServerBackend)backend).IsConnected);
    }

    [Fact]
    public void A_port_in_use_is_a_configuration_error_naming_the_port()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        int port = ((IPEndPoint)occupant.LocalEndpoint).Port;

        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open($"tcp:127.0.0.1:{port},nowait", "."));

        Assert.Equal("backend", e.Option);
        Assert.Contains($"port {port} is already in use", e.Message);
    }

    [Fact]
    public async Task A_slow_reader_pushes_back_on_the_client_and_loses_nothing()
    {
        using var backend = OpenNowait();
        using var client = SocketClient.Tcp(backend.LocalEndPoint);
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7)).ToArray();

        var sending = Task.Run(() => client.Send(data));
        var received = Drain(backend, data.Length);

        await sending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task A_client_that_stopped_reading_cannot_hold_a_writer_once_output_is_abandoned()
    {
        using var backend = OpenNowait();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        client.Connect(backend.LocalEndPoint); // and never reads
        Assert.True(backend.WaitForClient(TimeSpan.FromSeconds(10)));
        var writer = Task.Factory.StartNew(() =>
        {
            var block = new byte[64 * 1024];
            for (int i = 0; i < 1024; i++) // 64 MiB: far more than the socket buffers hold
                backend.Write(block);
        }, TaskCreationOptions.LongRunning);

        await Task.WhenAny(writer, Task.Delay(1000));
        Assert.False(writer.IsCompleted); // the client's flow control holds the writer
        backend.AbandonOutput();

        await writer.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Waiting_for_a_client_is_said_at_the_default_level_with_the_address()
    {
        int port = FreePort();
        var capture = new LogCapture();
        var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();
        var opening = Task.Factory.StartNew(() => CharBackends.Open($"tcp:127.0.0.1:{port}", ".", log), TaskCreationOptions.LongRunning);

        Assert.True(Eventually.True(() => capture.Messages(LogEventLevel.Warning).Any(m => m.Contains("waiting for a client to connect to") && m.Contains($"tcp:127.0.0.1:{port}"))));
        using (SocketClient.Tcp(new IPEndPoint(IPAddress.Loopback, port)))
            (await opening.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Theory]
    [InlineData("tcp:0.0.0.0:0,nowait")]
    [InlineData("tcp:[::]:0,nowait")]
    public void An_address_beyond_loopback_is_refused_without_public(string spec)
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open(spec, "."));

        Assert.Equal("backend", e.Option);
        Assert.Contains("would open the guest console to the network", e.Message);
        Assert.Contains(",public", e.Message);
    }

    [Fact]
    public void Public_opens_it_to_the_network_with_a_warning()
    {
        var capture = new LogCapture();
        var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();

        using var backend = (SocketServerBackend)CharBackends.Open("tcp:0.0.0.0:0,nowait,public", ".", log);

        Assert.Equal(IPAddress.Any, ((IPEndPoint)backend.LocalEndPoint).Address);
        Assert.Contains(capture.Messages(LogEventLevel.Warning), m => m.Contains("is open to the network"));
    }

    [Fact]
    public void Loopback_needs_no_flag_and_gives_no_warning()
    {
        var capture = new LogCapture();
        var log = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(capture).CreateLogger();

        using var backend = CharBackends.Open("tcp:localhost:0,nowait", ".", log);

        Assert.Empty(capture.Messages(LogEventLevel.Warning));
    }

    [Theory]
    [InlineData("tcp:127.0.0.1", "expected tcp:HOST:PORT")]
    [InlineData("tcp:127.0.0.1:70000", "not a TCP port")]
    [InlineData("tcp:127.0.0.1:4444,sometimes", "unknown flag 'sometimes'")]
    [InlineData("tcp:example.org:4444", "not an IP address")]
    [InlineData("serial:/dev/ttyS0", "unknown backend")]
    [InlineData("unix:console.sock,public", "unknown flag 'public' (expected wait or nowait)")]
    public void Malformed_specs_are_rejected_with_the_reason(string spec, string reason)
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open(spec, "."));
        Assert.Contains(reason, e.Message);
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
