using Hypervisor.Core.Backends;
using Hypervisor.Testing;
using MiniVmm.Devices.Serial;

namespace Devices.Tests.Backends;

/// <summary>The 16550 on a real TCP backend: a guest console a user reaches with nc or telnet.</summary>
public sealed class UartOverSocketTests
{
    [Fact]
    public void A_tcp_client_talks_to_the_guest_both_ways_and_a_slow_guest_loses_nothing()
    {
        using var uart = DeviceHarness.Create<Uart16550Device>(new() { ["backend"] = "tcp:127.0.0.1:0,nowait" });
        var backend = (SocketServerBackend)uart.OpenedBackend();
        using var client = SocketClient.Tcp(backend.LocalEndPoint);
        uart.EnableFifos(triggerBits: 2);
        string typed = string.Concat(Enumerable.Range(0, 500).Select(i => $"{i},"));

        client.Send(typed);
        var received = new System.Text.StringBuilder();
        Assert.True(Eventually.True(() =>
        {
            // Drain what the FIFO holds, then let the host wait: at most 16 characters at a time.
            received.Append(uart.ReadAvailable());
            return received.Length == typed.Length;
        }));
        uart.Out(UartRegister.Data, "ack\r\n"u8);

        Assert.Equal(typed, received.ToString());
        Assert.Equal("ack\r\n", client.ReceiveText(5));
        Assert.True((uart.LineStatus() & Lsr.OverrunError) == 0);
    }
}
