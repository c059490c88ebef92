using System.Globalization;
using System.Net;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>Builds the network device from an entry's options (shared by both transports).</summary>
internal static class VirtioNetOptions
{
    /// <summary>QEMU's default MAC: 52:54:00:12:34:56.</summary>
    public const string DefaultMac = "52:54:00:12:34:56";

    public static VirtioNet Build(DeviceContext context)
    {
        byte[] mac = ParseMac(context.Options.GetString("mac", DefaultMac));
        string local = context.Options.GetString("local", "");
        string remote = context.Options.GetString("remote", "");
        if (local.Length == 0 && remote.Length == 0)
            return new VirtioNet(mac, null); // a NIC on an unplugged wire
        var localEndPoint = Loopback("local", local);
        var remoteEndPoint = Loopback("remote", remote);
        try
        {
            return new VirtioNet(mac, new UdpNetBackend(localEndPoint, remoteEndPoint, context.Logger));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new DeviceConfigurationException("local", $"cannot bind {localEndPoint}: {e.Message}");
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
            throw new DeviceConfigurationException(option, $"'{text}' is not ADDRESS:PORT (e.g. 127.0.0.1:5555); 'local' and 'remote' go together");
        if (!IPAddress.IsLoopback(endPoint.Address))
            throw new DeviceConfigurationException(option, $"'{text}' is not a loopback address; the UDP wire joins VMs on this host only");
        return endPoint;
    }
}

/// <summary>virtio-net on the virtio-mmio transport.</summary>
[Device("virtio-net-mmio", Description = "virtio network device, UDP datagram wire between VMs on this host, virtio-mmio transport (a 4 KiB window at \"mmio\", \"irq\")")]
[DeviceOption("mac", "the MAC address", Default = VirtioNetOptions.DefaultMac)]
[DeviceOption("local", "this end of the UDP wire, 127.0.0.1:PORT (none: an unplugged NIC)")]
[DeviceOption("remote", "the other VM's end, 127.0.0.1:PORT")]
public sealed class VirtioNetMmio(DeviceContext context) : VirtioMmioTransport(context, VirtioNetOptions.Build(context));

/// <summary>virtio-net on the virtio-pci modern transport.</summary>
[Device("virtio-net-pci", Description = "virtio network device, UDP datagram wire between VMs on this host, virtio-pci modern transport (INTx on \"irq\")")]
[DeviceOption("pciAddress", "the function's address on bus 0 (e.g. 00:03.0); needs a pci-host entry")]
[DeviceOption("mac", "the MAC address", Default = VirtioNetOptions.DefaultMac)]
[DeviceOption("local", "this end of the UDP wire, 127.0.0.1:PORT (none: an unplugged NIC)")]
[DeviceOption("remote", "the other VM's end, 127.0.0.1:PORT")]
public sealed class VirtioNetPci(DeviceContext context) : VirtioPciTransport(context, VirtioNetOptions.Build(context), EthernetClass)
{
    /// <summary>Network controller, Ethernet.</summary>
    public const uint EthernetClass = 0x02_00_00;
}
