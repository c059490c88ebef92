using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioNet;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioNet;

/// <summary>virtio-net NICs on virtio-mmio for the backend tests: built, started, and sending and receiving as a guest driver would.</summary>
public sealed class NicKit : IDisposable
{
    public const ulong Window = 0xd000_0000;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var item in _owned)
            item.Dispose();
    }

    public (DeviceHarness<VirtioNetMmio> Harness, VirtioDriver Driver) Nic(Dictionary<string, string?> options)
    {
        var harness = DeviceHarness.Create<VirtioNetMmio>(options, new DeviceHarnessSettings { MmioBase = Window, Irq = 9 });
        _owned.Add(harness);
        var driver = new VirtioDriver(new VirtioMmioDriverTransport(harness.Buses, Window), harness.Memory);
        driver.Start(queues: 2);
        return (harness, driver);
    }

    public static void Transmit(VirtioDriver driver, byte[] frame)
    {
        ulong at = driver.Allocate(NetSpec.HeaderSize + (ulong)frame.Length);
        driver.WriteMemory(at + NetSpec.HeaderSize, frame);
        driver.Submit(NetSpec.TransmitQueue, Out(at, NetSpec.HeaderSize + (uint)frame.Length));
        Assert.True(driver.WaitForUsed(NetSpec.TransmitQueue, TimeSpan.FromSeconds(5), out _, out _));
    }

    /// <summary>Posts one receive buffer and waits for the frame it gets (null after the timeout).</summary>
    public static byte[]? Receive(VirtioDriver driver, TimeSpan timeout)
    {
        ulong buffer = driver.Allocate(NetSpec.HeaderSize + NetSpec.MaxFrame);
        driver.Submit(NetSpec.ReceiveQueue, In(buffer, NetSpec.HeaderSize + NetSpec.MaxFrame));
        if (!driver.WaitForUsed(NetSpec.ReceiveQueue, timeout, out _, out uint length))
            return null;
        return driver.ReadMemory(buffer + NetSpec.HeaderSize, (int)length - NetSpec.HeaderSize);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, up to 5 s.</summary>
    public static bool Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(10);
        }
        return true;
    }
}
