using System.Net;
using System.Net.Sockets;
using Hypervisor.Abstractions;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioNet;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioNet;

/// <summary>Two virtio-net devices joined by their UDP wire on loopback, each driven through virtio-mmio.</summary>
public sealed class VirtioNetTests : IDisposable
{
    private const ulong Window = 0xd000_0000;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var item in _owned)
            item.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private (DeviceHarness<VirtioNetMmio> Harness, VirtioDriver Driver) Nic(Dictionary<string, string?> options)
    {
        var harness = DeviceHarness.Create<VirtioNetMmio>(options, new DeviceHarnessSettings { MmioBase = Window, Irq = 9 });
        _owned.Add(harness);
        var driver = new VirtioDriver(new VirtioMmioDriverTransport(harness.Buses, Window), harness.Memory);
        driver.Start(queues: 2);
        return (harness, driver);
    }

    private ((DeviceHarness<VirtioNetMmio>, VirtioDriver) A, (DeviceHarness<VirtioNetMmio>, VirtioDriver) B) Pair()
    {
        int a = FreePort(), b = FreePort();
        return (Nic(new() { ["local"] = $"127.0.0.1:{a}", ["remote"] = $"127.0.0.1:{b}", ["mac"] = "52:54:00:00:00:0a" }),
                Nic(new() { ["local"] = $"127.0.0.1:{b}", ["remote"] = $"127.0.0.1:{a}", ["mac"] = "52:54:00:00:00:0b" }));
    }

    private static byte[] Frame(byte tag)
    {
        var frame = new byte[60];
        frame.AsSpan(0, 6).Fill(0xff);            // broadcast
        frame[11] = 0x0a;                         // source 52:54:00:00:00:0a
        frame[12] = 0x08;                         // IPv4 ethertype
        frame[59] = tag;
        return frame;
    }

    private static void Transmit(VirtioDriver driver, byte[] frame)
    {
        ulong at = driver.Allocate(NetSpec.HeaderSize + (ulong)frame.Length);
        driver.WriteMemory(at + NetSpec.HeaderSize, frame);
        driver.Submit(NetSpec.TransmitQueue, Out(at, NetSpec.HeaderSize + (uint)frame.Length));
        Assert.True(driver.TryTakeUsed(NetSpec.TransmitQueue, out _, out _));
    }

    private static (ulong Buffer, uint Length) AwaitReceived(VirtioDriver driver, ulong buffer)
    {
        for (int i = 0; i < 500; i++)
        {
            if (driver.TryTakeUsed(NetSpec.ReceiveQueue, out _, out uint length))
                return (buffer, length);
            Thread.Sleep(10);
        }
        throw new TimeoutException("no frame arrived in 5 s");
    }

    [Fact]
    public void Config_space_has_the_mac_and_the_link_up()
    {
        var (_, driver) = Nic(new() { ["mac"] = "52:54:00:ab:cd:ef" });
        Assert.Equal(0xefcd_ab00_5452UL, driver.Transport.ReadConfig(NetSpec.ConfigMac, 8) & 0xffff_ffff_ffff);
        Assert.Equal(NetSpec.StatusLinkUp, (ushort)driver.Transport.ReadConfig(NetSpec.ConfigStatus, 2));
    }

    [Fact]
    public void A_frame_sent_by_one_vm_arrives_in_the_others_receive_buffer_after_a_header()
    {
        var ((_, sender), (receiverHarness, receiver)) = Pair();
        ulong buffer = receiver.Allocate(NetSpec.HeaderSize + NetSpec.MaxFrame);
        receiver.Submit(NetSpec.ReceiveQueue, In(buffer, NetSpec.HeaderSize + NetSpec.MaxFrame));

        Transmit(sender, Frame(42));

        var (_, length) = AwaitReceived(receiver, buffer);
        Assert.Equal((uint)(NetSpec.HeaderSize + 60), length);
        byte[] received = receiver.ReadMemory(buffer, NetSpec.HeaderSize + 60);
        Assert.Equal(1, received[NetSpec.HeaderNumBuffers]);       // num_buffers
        Assert.Equal(Frame(42), received[NetSpec.HeaderSize..]);
        Assert.True(receiverHarness.Irq.RisingEdges > 0);
    }

    [Fact]
    public void A_frame_that_arrives_before_any_buffer_waits_for_one()
    {
        var ((_, sender), (receiverHarness, receiver)) = Pair();
        Transmit(sender, Frame(7));
        var device = (MiniVmm.Devices.VirtioNet.VirtioNet)receiverHarness.Device.Core.Device;
        Thread.Sleep(200); // the datagram crosses loopback to the receive thread

        ulong buffer = receiver.Allocate(NetSpec.HeaderSize + NetSpec.MaxFrame);
        receiver.Submit(NetSpec.ReceiveQueue, In(buffer, NetSpec.HeaderSize + NetSpec.MaxFrame));

        AwaitReceived(receiver, buffer);
        Assert.Equal(7, receiver.ReadMemory(buffer + NetSpec.HeaderSize + 59, 1)[0]);
        Assert.Equal(0, device.Dropped);
    }

    [Fact]
    public void A_frame_waiting_for_a_buffer_is_in_the_saved_state_and_delivered_after_the_restore()
    {
        var ((_, sender), (receiverHarness, receiver)) = Pair();
        Transmit(sender, Frame(9));
        Thread.Sleep(200); // the datagram crosses loopback to the receive thread
        var saved = new StateWriter();
        receiverHarness.Device.SaveState(saved);

        receiverHarness.Device.Reset(); // the frame and the queues are gone, as in a freshly built device
        var reader = new StateReader(saved.ToArray());
        receiverHarness.Device.LoadState(reader, receiverHarness.Device.StateVersion);
        Assert.Equal(0, reader.Remaining);
        ulong buffer = receiver.Allocate(NetSpec.HeaderSize + NetSpec.MaxFrame);
        receiver.Submit(NetSpec.ReceiveQueue, In(buffer, NetSpec.HeaderSize + NetSpec.MaxFrame));

        AwaitReceived(receiver, buffer);
        Assert.Equal(9, receiver.ReadMemory(buffer + NetSpec.HeaderSize + 59, 1)[0]);
    }

    [Theory]
    [InlineData("mac", "01:00:5e:00:00:01", "multicast")]
    [InlineData("mac", "52:54:00:12:34", "not a MAC address")]
    [InlineData("local", "10.0.0.1:5555", "not a loopback address")]
    [InlineData("local", "127.0.0.1", "not ADDRESS:PORT")]
    public void Bad_options_are_configuration_errors_naming_the_option(string option, string value, string message)
    {
        var options = new Dictionary<string, string?> { ["local"] = "127.0.0.1:1", ["remote"] = "127.0.0.1:2", [option] = value };
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<VirtioNetMmio>(options, new DeviceHarnessSettings { MmioBase = Window }));
        Assert.Equal(option, e.Option);
        Assert.Contains(message, e.Message);
    }
}
