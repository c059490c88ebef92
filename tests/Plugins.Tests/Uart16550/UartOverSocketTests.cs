using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Hypervisor.Core.Backends;
using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Plugins.Tests.Uart16550;

/// <summary>The 16550 on a real TCP backend: a guest console a user reaches with nc or telnet.</summary>
public sealed class UartOverSocketTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_tcp_client_talks_to_the_guest_both_ways_and_a_slow_guest_loses_nothing()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "tcp:127.0.0.1:0,nowait" });
        var backend = (SocketServerBackend)uart.OpenedBackend();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = (int)Patience.TotalMilliseconds };
        client.Connect(backend.LocalEndPoint);
        uart.EnableFifos(triggerBits: 2);
        string typed = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i},"));

        client.Send(Encoding.ASCII.GetBytes(typed));
        var received = new StringBuilder();
        var clock = Stopwatch.StartNew();
        // Drain what the FIFO holds, then let the host wait: at most 16 characters at a time.
        while (received.Length < typed.Length && clock.Elapsed < Patience)
        {
            received.Append(uart.ReadAvailable());
            Thread.Sleep(2);
        }
        uart.Out(UartRegister.Data, "ack\r\n"u8);

        Assert.Equal(typed, received.ToString());
        Assert.Equal("ack\r\n", ReceiveText(client, 5));
        Assert.True((uart.LineStatus() & Lsr.OverrunError) == 0);
    }

    private static string ReceiveText(Socket socket, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            if (n == 0)
                break;
            got += n;
        }
        return Encoding.ASCII.GetString(buffer, 0, got);
    }
}
