using System.Buffers.Binary;
using MiniVmm.Devices.VirtioNet;

namespace Plugins.Tests.VirtioNet;

/// <summary>
/// virtio-net's TAP backend against the real Linux network stack: the test makes a network
/// namespace, moves the NIC's TAP interface into it and gives the host side 10.0.77.1; the test,
/// as the guest (10.0.77.2), resolves it with ARP and pings it. Nothing leaves the namespace.
/// </summary>
public sealed class VirtioNetTapTests : IDisposable
{
    private static readonly byte[] GuestMac = [0x52, 0x54, 0x00, 0x00, 0x00, 0x0a];
    private static readonly byte[] GuestIp = [10, 0, 77, 2];
    private static readonly byte[] HostIp = [10, 0, 77, 1];
    private readonly NicKit _kit = new();
    private readonly string _namespace = $"minivmm-tap-{Environment.ProcessId}";
    private readonly string _interface = $"mvmtap{Environment.ProcessId % 100000}";
    private bool _made;

    public void Dispose()
    {
        _kit.Dispose(); // closing the TAP removes the interface
        if (_made)
            TapFactAttribute.Ip("netns", "del", _namespace);
    }

    [TapFact]
    public void The_guest_resolves_and_pings_the_host_side_of_the_tap_in_a_namespace()
    {
        var (_, nic) = _kit.Nic(new() { ["backend:type"] = "tap", ["backend:ifname"] = _interface, ["mac"] = "52:54:00:00:00:0a" });
        TapFactAttribute.Ip("netns", "add", _namespace);
        _made = true;
        TapFactAttribute.Ip("link", "set", _interface, "netns", _namespace);
        TapFactAttribute.Ip("-n", _namespace, "addr", "add", "10.0.77.1/24", "dev", _interface);
        TapFactAttribute.Ip("-n", _namespace, "link", "set", _interface, "up");

        NicKit.Transmit(nic, ArpRequest());
        byte[] reply = ReceiveUntil(nic, f => EtherType(f) == 0x0806 && BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(20)) == 2
            && f.AsSpan(28, 4).SequenceEqual(HostIp));
        byte[] hostMac = reply[22..28];

        NicKit.Transmit(nic, EchoRequest(hostMac, sequence: 1));
        byte[] echo = ReceiveUntil(nic, f => EtherType(f) == 0x0800 && f[23] == 1 && f[34] == 0 && f.AsSpan(26, 4).SequenceEqual(HostIp));
        Assert.Equal(GuestMac, echo[0..6]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(echo.AsSpan(40)));   // the sequence number echoed
        Assert.Equal("minivmm ping"u8.ToArray(), echo[42..54]);
    }

    [Fact]
    public void A_tap_name_too_long_is_a_configuration_error()
    {
        var e = Assert.Throws<Hypervisor.Abstractions.DeviceConfigurationException>(() =>
            _kit.Nic(new() { ["backend:type"] = "tap", ["backend:ifname"] = "a-name-far-too-long-for-linux" }));
        Assert.Equal("backend", e.Option);
    }

    private static ushort EtherType(byte[] frame) => frame.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) : (ushort)0;

    // The kernel may also send its own frames (IPv6 router solicitations): skip them.
    private static byte[] ReceiveUntil(Hypervisor.Testing.Virtio.VirtioDriver nic, Func<byte[], bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (NicKit.Receive(nic, TimeSpan.FromSeconds(10)) is { } frame && wanted(frame))
                return frame;
        }
        throw new TimeoutException("the host side did not answer in 10 s");
    }

    private static byte[] ArpRequest()
    {
        var f = new byte[42];
        f.AsSpan(0, 6).Fill(0xff);
        GuestMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0806);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), 1);       // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(16), 0x0800);  // IPv4
        f[18] = 6;
        f[19] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), 1);       // request
        GuestMac.CopyTo(f, 22);
        GuestIp.CopyTo(f, 28);
        HostIp.CopyTo(f, 38);
        return f;
    }

    private static byte[] EchoRequest(byte[] hostMac, ushort sequence)
    {
        byte[] payload = "minivmm ping"u8.ToArray();
        var f = new byte[14 + 20 + 8 + payload.Length];
        hostMac.CopyTo(f, 0);
        GuestMac.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), 0x0800);
        var ip = f.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload.Length));
        ip[8] = 64;   // TTL
        ip[9] = 1;    // ICMP
        GuestIp.CopyTo(ip[12..]);
        HostIp.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip));
        var icmp = f.AsSpan(34);
        icmp[0] = 8;  // echo request
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0x4d56);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        payload.CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return f;
    }

    // The Internet checksum (RFC 1071) over data whose checksum field is zero.
    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
