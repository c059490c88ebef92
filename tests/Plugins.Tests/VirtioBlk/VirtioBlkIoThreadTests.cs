using System.Buffers.Binary;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using MiniVmm.Devices.VirtioBlk;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Plugins.Tests.VirtioBlk;

/// <summary>
/// virtio-blk's I/O thread: the guest's notification returns while the disk is still busy; the
/// request completes, and the interrupt rises, from the device's own thread.
/// </summary>
public sealed class VirtioBlkIoThreadTests
{
    private const ulong Window = 0xd000_0000;

    /// <summary>A disk whose reads wait for the test to open a gate, noting the thread they ran on.</summary>
    public sealed class GatedDisk : BlockStore
    {
        public static readonly ManualResetEventSlim Gate = new(false);
        public static int ReadThread;

        public override bool ReadOnly => false;
        public override ulong Sectors => 16;
        public override void Read(ulong sector, Span<byte> data)
        {
            ReadThread = Environment.CurrentManagedThreadId;
            Gate.Wait(TimeSpan.FromSeconds(30));
            data.Fill(0x6b);
        }
        public override void Write(ulong sector, ReadOnlySpan<byte> data) { }
        public override void Flush() { }
        public override void Discard(ulong sector, ulong count) { }
        public override void Dispose() { }
    }

    [Device("test-gated-blk")]
    public sealed class GatedBlkMmio(DeviceContext context)
        : VirtioMmioTransport(context, new MiniVmm.Devices.VirtioBlk.VirtioBlk(new GatedDisk(), "gated", context.Logger));

    [Fact]
    public void The_notification_returns_before_the_disk_answers_and_the_interrupt_comes_from_the_io_thread()
    {
        GatedDisk.Gate.Reset();
        using var harness = DeviceHarness.Create<GatedBlkMmio>(settings: new DeviceHarnessSettings { MmioBase = Window, Irq = 10 });
        var driver = new VirtioDriver(new VirtioMmioDriverTransport(harness.Buses, Window), harness.Memory);
        driver.Start(queues: 1);
        ulong header = driver.Allocate(BlkLayout.HeaderSize);
        var h = new byte[BlkLayout.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(h, BlkRequestType.In);
        driver.WriteMemory(header, h);
        ulong data = driver.Allocate(512);
        ulong status = driver.Allocate(1);

        driver.Submit(0, Out(header, BlkLayout.HeaderSize), In(data, 512), In(status, 1)); // returns: the gate is still shut

        Assert.False(driver.WaitForUsed(0, TimeSpan.FromMilliseconds(200), out _, out _));
        Assert.Equal(0u, harness.Device.Core.InterruptStatus);
        GatedDisk.Gate.Set();
        Assert.True(driver.WaitForUsed(0, TimeSpan.FromSeconds(10), out _, out uint length));
        Assert.Equal(513u, length);
        Assert.Equal(0x6b, driver.ReadMemory(data, 1)[0]);
        Assert.Equal(BlkStatus.Ok, driver.ReadMemory(status, 1)[0]);
        Assert.NotEqual(Environment.CurrentManagedThreadId, GatedDisk.ReadThread);
        Assert.Equal(VirtioInterrupt.UsedBuffer, harness.Device.Core.InterruptStatus & VirtioInterrupt.UsedBuffer);
    }
}
