using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using MiniVmm.Devices.VirtioNet;

namespace Plugins.Tests.VirtioNet;

/// <summary>
/// virtio-net's stream backend: one NIC listens on loopback, the other connects; frames cross with
/// QEMU's 4-byte big-endian length framing; the link status follows the connection.
/// </summary>
public sealed class VirtioNetStreamTests : IDisposable
{
    private readonly NicKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static Dictionary<string, string?> Stream(string mode, int port, string mac) =>
        new() { ["backend:type"] = "stream", [$"backend:{mode}"] = $"127.0.0.1:{port}", ["mac"] = mac };

    private static byte[] Frame(byte tag)
    {
        var frame = new byte[60];
        frame.AsSpan(0, 6).Fill(0xff);
        frame[12] = 0x08;
        frame[59] = tag;
        return frame;
    }

    private static ushort LinkStatus(Hypervisor.Testing.Virtio.VirtioDriver driver) => (ushort)driver.Transport.ReadConfig(NetSpec.ConfigStatus, 2);

    [Fact]
    public void Two_nics_joined_by_a_stream_exchange_frames_both_ways()
    {
        int port = FreePort();
        var (_, listener) = _kit.Nic(Stream("listen", port, "52:54:00:00:00:0a"));
        var (_, connector) = _kit.Nic(Stream("connect", port, "52:54:00:00:00:0b"));
        Assert.True(NicKit.Eventually(() => LinkStatus(listener) == NetSpec.StatusLinkUp && LinkStatus(connector) == NetSpec.StatusLinkUp));

        NicKit.Transmit(connector, Frame(1));
        Assert.Equal(Frame(1), NicKit.Receive(listener, TimeSpan.FromSeconds(5)));
        NicKit.Transmit(listener, Frame(2));
        Assert.Equal(Frame(2), NicKit.Receive(connector, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void The_link_is_down_until_the_peer_connects_and_each_change_is_a_config_interrupt()
    {
        int port = FreePort();
        var (harness, listener) = _kit.Nic(Stream("listen", port, "52:54:00:00:00:0a"));
        Assert.Equal(0, LinkStatus(listener));
        Assert.NotEqual(0UL, listener.Transport.DeviceFeatures & NetSpec.FeatureStatus);

        using (var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            peer.Connect(IPAddress.Loopback, port);
            Assert.True(NicKit.Eventually(() => LinkStatus(listener) == NetSpec.StatusLinkUp));
            Assert.True(NicKit.Eventually(() => (harness.Device.Core.InterruptStatus & VirtioInterrupt.ConfigChange) != 0));
            harness.Device.Core.Acknowledge(VirtioInterrupt.ConfigChange);

            // A frame from a raw peer, framed as QEMU's -netdev stream does.
            var record = new byte[4 + 60];
            BinaryPrimitives.WriteUInt32BigEndian(record, 60);
            Frame(5).CopyTo(record, 4);
            peer.Send(record);
            Assert.Equal(Frame(5), NicKit.Receive(listener, TimeSpan.FromSeconds(5)));

            // And the NIC's frame reaches the peer with its length first.
            NicKit.Transmit(listener, Frame(6));
            var received = new byte[64];
            int got = 0;
            peer.ReceiveTimeout = 5000;
            while (got < received.Length)
                got += peer.Receive(received, got, received.Length - got, SocketFlags.None);
            Assert.Equal(60u, BinaryPrimitives.ReadUInt32BigEndian(received));
            Assert.Equal(Frame(6), received[4..]);
        }
        Assert.True(NicKit.Eventually(() => LinkStatus(listener) == 0));
        Assert.True(NicKit.Eventually(() => (harness.Device.Core.InterruptStatus & VirtioInterrupt.ConfigChange) != 0));
    }

    [Fact]
    public void A_record_longer_than_any_frame_drops_the_connection()
    {
        int port = FreePort();
        var (_, listener) = _kit.Nic(Stream("listen", port, "52:54:00:00:00:0a"));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        peer.Connect(IPAddress.Loopback, port);
        Assert.True(NicKit.Eventually(() => LinkStatus(listener) == NetSpec.StatusLinkUp));
        peer.Send([0x7f, 0xff, 0xff, 0xff]);
        Assert.True(NicKit.Eventually(() => LinkStatus(listener) == 0));
    }

    [Theory]
    [InlineData("backend:type", "carrier-pigeon", "backend", "not one of udp, stream, tap")]
    [InlineData("backend:listen", "10.0.0.1:5555", "backend.listen", "not a loopback address")]
    [InlineData("backend:connect", "127.0.0.1:1", "backend", "one of \"listen\" and \"connect\"")]
    [InlineData("local", "127.0.0.1:1", "backend", "not both")]
    public void Bad_backend_options_are_configuration_errors_naming_the_option(string key, string value, string option, string message)
    {
        var options = new Dictionary<string, string?> { ["backend:type"] = "stream", ["backend:listen"] = "127.0.0.1:1", [key] = value };
        if (key == "backend:listen")
            options.Remove("backend:connect");
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<VirtioNetMmio>(options, new DeviceHarnessSettings { MmioBase = NicKit.Window }));
        Assert.Equal(option, e.Option);
        Assert.Contains(message, e.Message);
    }
}
