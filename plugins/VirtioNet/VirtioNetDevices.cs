using System.Globalization;
using System.Net;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;
using Microsoft.Extensions.Configuration;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>Builds the network device from an entry's options (shared by both transports).</summary>
internal static class VirtioNetOptions
{
    /// <summary>QEMU's default MAC: 52:54:00:12:34:56.</summary>
    public const string DefaultMac = "52:54:00:12:34:56";

    public const string BackendHelp = "an object: {\"type\": \"stream\", \"listen\" or \"connect\": \"127.0.0.1:PORT\"} (TCP between two VMs, QEMU's -netdev stream framing), {\"type\": \"tap\", \"ifname\": \"tap0\"} (a host TAP interface; root) or {\"type\": \"udp\", \"local\", \"remote\"}";

    public static VirtioNet Build(DeviceContext context)
    {
        byte[] mac = ParseMac(context.Options.GetString("mac", DefaultMac));
        var backend = context.Options.GetSection("backend");
        string local = context.Options.GetString("local", "");
        string remote = context.Options.GetString("remote", "");
        if (backend.Value != null)
            throw new DeviceConfigurationException("backend", $"expected an object such as {{ \"type\": \"tap\", \"ifname\": \"tap0\" }}, not '{backend.Value}'");
        if (backend.Exists())
        {
            if (local.Length > 0 || remote.Length > 0)
                throw new DeviceConfigurationException("backend", "give either \"backend\" or \"local\"/\"remote\" (the UDP wire), not both");
            return new VirtioNet(mac, OpenBackend(backend, context));
        }
        if (local.Length == 0 && remote.Length == 0)
            return new VirtioNet(mac, null); // a NIC on an unplugged wire
        return new VirtioNet(mac, Udp(local, remote, context, "local", "remote"));
    }

    // "backend": { "type": "udp", "local", "remote" } | { "type": "stream", "listen" | "connect" } | { "type": "tap", "ifname" }.
    private static INetBackend OpenBackend(IConfigurationSection backend, DeviceContext context)
    {
        string type = backend["type"] ?? "";
        switch (type)
        {
            case "udp":
                return Udp(backend["local"] ?? "", backend["remote"] ?? "", context, "backend.local", "backend.remote");
            case "stream":
                string listen = backend["listen"] ?? "", connect = backend["connect"] ?? "";
                if ((listen.Length > 0) == (connect.Length > 0))
                    throw new DeviceConfigurationException("backend", "a stream backend takes one of \"listen\" and \"connect\" (127.0.0.1:PORT)");
                var endPoint = Loopback(listen.Length > 0 ? "backend.listen" : "backend.connect", listen.Length > 0 ? listen : connect);
                try
                {
                    return new StreamNetBackend(endPoint, listen.Length > 0, context.Logger);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    throw new DeviceConfigurationException("backend", $"cannot listen on {endPoint}: {e.Message}");
                }
            case "tap":
                return new TapNetBackend(backend["ifname"] ?? "", context.Logger);
            default:
                throw new DeviceConfigurationException("backend", $"type '{type}' is not one of udp, stream, tap");
        }
    }

    private static UdpNetBackend Udp(string local, string remote, DeviceContext context, string localOption, string remoteOption)
    {
        var localEndPoint = Loopback(localOption, local);
        var remoteEndPoint = Loopback(remoteOption, remote);
        try
        {
            return new UdpNetBackend(localEndPoint, remoteEndPoint, context.Logger);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new DeviceConfigurationException(localOption, $"cannot bind {localEndPoint}: {e.Message}");
        }
    }

    private static byte[] ParseMac(string text)
    {
        string[] parts = text.Split(':');
        var mac = new byte[6];
        if (parts.Length != 6 || !parts.Select((p, i) => byte.TryParse(p, NumberStyles.HexNumber, null, out mac[i]) && p.Length == 2).All(ok => ok))
            throw new DeviceConfigurationException("mac", $"'{text}' is not a MAC address such as {DefaultMac}");
        if ((mac[0] & 1) != 0)
            throw new DeviceConfigurationException("mac", $"'{text}' is a multicast address; a NIC needs a unicast one (even first byte)");
        return mac;
    }

    // Only loopback: the datagrams carry the guest's raw frames, unauthenticated.
    private static IPEndPoint Loopback(string option, string text)
    {
        if (!IPEndPoint.TryParse(text, out var endPoint) || endPoint.Port == 0)
            throw new DeviceConfigurationException(option, $"'{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:5555)");
        if (!IPAddress.IsLoopback(endPoint.Address))
            throw new DeviceConfigurationException(option, $"'{text}' is not a loopback address; the socket backends join VMs on this host only");
        return endPoint;
    }
}

/// <summary>virtio-net on the virtio-mmio transport.</summary>
[Device("virtio-net-mmio", Description = "virtio network device, UDP or TCP stream wire between VMs on this host or a host TAP, virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
[DeviceOption("mac", "the MAC address", Default = VirtioNetOptions.DefaultMac)]
[DeviceOption("local", "this end of the UDP wire, 127.0.0.1:PORT (none: an unplugged NIC)")]
[DeviceOption("remote", "the other VM's end, 127.0.0.1:PORT")]
[DeviceOption("backend", VirtioNetOptions.BackendHelp, IsObject = true)]
public sealed class VirtioNetMmio : VirtioMmioTransport
{
    public VirtioNetMmio(DeviceContext context) : this(context, VirtioNetOptions.Build(context)) { }

    private VirtioNetMmio(DeviceContext context, VirtioNet net) : base(context, net) => net.ConfigChanged = Core.ConfigChanged;
}

/// <summary>virtio-net on the virtio-pci modern transport.</summary>
[Device("virtio-net-pci", Description = "virtio network device, UDP or TCP stream wire between VMs on this host or a host TAP, virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:03.0); needs a pci-host entry")]
[DeviceOption("mac", "the MAC address", Default = VirtioNetOptions.DefaultMac)]
[DeviceOption("local", "this end of the UDP wire, 127.0.0.1:PORT (none: an unplugged NIC)")]
[DeviceOption("remote", "the other VM's end, 127.0.0.1:PORT")]
[DeviceOption("backend", VirtioNetOptions.BackendHelp, IsObject = true)]
public sealed class VirtioNetPci : VirtioPciTransport
{
    public VirtioNetPci(DeviceContext context) : this(context, VirtioNetOptions.Build(context)) { }

    private VirtioNetPci(DeviceContext context, VirtioNet net) : base(context, net, EthernetClass) => net.ConfigChanged = Core.ConfigChanged;

    /// <summary>Network controller, Ethernet.</summary>
    public const uint EthernetClass = 0x02_00_00;
}
