using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioBlk;

namespace Plugins.Tests.VirtioBlk;

/// <summary>Random chains and headers into virtio-blk: the device answers or the queue breaks, and nothing throws out of it.</summary>
public sealed class VirtioBlkFuzzTests : IDisposable
{
    private const ulong Window = 0xd000_0000;
    private readonly string _image = Path.GetTempFileName();

    public VirtioBlkFuzzTests() => File.WriteAllBytes(_image, new byte[64 * 512]);

    public void Dispose() => File.Delete(_image);

    [Fact]
    public void Random_requests_never_throw_out_of_the_device()
    {
        using var harness = DeviceHarness.Create<VirtioBlkMmio>(new() { ["image"] = _image }, new DeviceHarnessSettings { MmioBase = Window, MemorySize = 1 << 18 });
        var transport = new VirtioMmioDriverTransport(harness.Buses, Window);
        var random = new Random(2);
        int answered = 0;
        for (int round = 0; round < 1500; round++)
        {
            var driver = new VirtioDriver(transport, harness.Memory, heapStart: 0x1000, heapEnd: 0x20000);
            driver.Start(queues: 1, queueSize: 16);
            // A header with a random type and sector in random RAM, then random buffers.
            var noise = new byte[0x1000];
            random.NextBytes(noise);
            noise[0] = (byte)new[] { 0, 1, 4, 8, 11, 13, 99 }[random.Next(7)];
            noise[1] = noise[2] = noise[3] = 0;
            driver.WriteMemory(0x30000, noise);
            int count = random.Next(1, 5);
            var chain = new VirtioDriver.ChainBuffer[count];
            for (int i = 0; i < count; i++)
            {
                ulong address = (ulong)random.Next(0x30000, 0x3f000);
                uint length = (uint)(random.Next(3) == 0 ? random.Next(0, 0x3000) : new[] { 1, 16, 512, 1024 }[random.Next(4)]);
                chain[i] = new VirtioDriver.ChainBuffer(address, length, i > 0 && random.Next(2) == 0);
            }
            chain[0] = VirtioDriver.Out(0x30000, (uint)random.Next(0, 64));
            driver.Submit(0, chain);
            harness.Device.Core.Device.Quiesce(); // the I/O thread has answered, or dropped it
            if (driver.TryTakeUsed(0, out _, out _))
                answered++;
            transport.TakeInterruptStatus();
        }
        Assert.True(answered > 100);
    }
}
