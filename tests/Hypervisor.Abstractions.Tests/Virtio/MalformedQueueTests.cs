using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>
/// A guest that breaks a queue gets the device marked NEEDS_RESET and a configuration interrupt;
/// the host never throws or loops, and a reset brings the device back.
/// </summary>
public sealed class MalformedQueueTests : IDisposable
{
    private const ulong OutsideRam = 0x8000_0000;
    private readonly DeviceHarness<EchoMmio> _harness = DeviceHarness.Create<EchoMmio>(settings: new DeviceHarnessSettings { MemorySize = 1 << 16 });
    private readonly VirtioDriver _driver;

    public MalformedQueueTests()
    {
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, EchoMmio.Base), _harness.Memory);
        _driver.Start(queues: 1);
    }

    public void Dispose() => _harness.Dispose();

    private void AssertBroken()
    {
        Assert.NotEqual(0, _driver.Transport.Status & VirtioStatus.NeedsReset);
        Assert.True(_harness.Irq.Level);
        Assert.Equal(VirtioInterrupt.ConfigChange, _driver.Transport.TakeInterruptStatus() & VirtioInterrupt.ConfigChange);
        Assert.Contains(_harness.Log.Events, e => e.RenderMessage().Contains("NEEDS_RESET"));
    }

    [Fact]
    public void A_buffer_outside_ram_breaks_the_device()
    {
        _driver.Submit(0, Out(OutsideRam, 16));
        AssertBroken();
        Assert.Empty(_harness.Device.Echo.Requests);
    }

    [Fact]
    public void A_buffer_running_off_the_end_of_ram_breaks_the_device()
    {
        _driver.Submit(0, In(0xfff0, 0x20));
        AssertBroken();
    }

    [Fact]
    public void A_descriptor_loop_breaks_the_device()
    {
        _driver.WriteDescriptor(0, 0, _driver.Allocate(4), 4, SplitRing.DescriptorNext, 1);
        _driver.WriteDescriptor(0, 1, _driver.Allocate(4), 4, SplitRing.DescriptorNext, 0);
        _driver.MakeAvailable(0, 0);
        AssertBroken();
    }

    [Fact]
    public void A_next_index_past_the_table_breaks_the_device()
    {
        _driver.WriteDescriptor(0, 0, _driver.Allocate(4), 4, SplitRing.DescriptorNext, EchoDevice.Size);
        _driver.MakeAvailable(0, 0);
        AssertBroken();
    }

    [Fact]
    public void A_head_past_the_table_breaks_the_device()
    {
        _driver.MakeAvailable(0, 200);
        AssertBroken();
    }

    [Fact]
    public void An_available_index_further_ahead_than_the_queue_breaks_the_device()
    {
        _driver.SetAvailableIndex(0, EchoDevice.Size + 1);
        _driver.Transport.Notify(0);
        AssertBroken();
    }

    [Fact]
    public void A_readable_buffer_after_a_writable_one_breaks_the_device()
    {
        _driver.Submit(0, In(_driver.Allocate(4), 4), Out(_driver.Allocate(4), 4));
        AssertBroken();
    }

    [Theory]
    [InlineData(0u, false)]                     // empty table
    [InlineData(20u, false)]                    // not a multiple of 16
    [InlineData(32u, true)]                     // an indirect descriptor inside the table
    [InlineData(16u * 2000, false)]             // longer than any chain may be
    public void A_bad_indirect_table_breaks_the_device(uint length, bool nested)
    {
        ulong table = _driver.Allocate(64);
        if (nested)
            _driver.WriteDescriptorAt(table, table, 32, SplitRing.DescriptorIndirect, 0);
        _driver.WriteDescriptor(0, 0, table, length, SplitRing.DescriptorIndirect, 0);
        _driver.MakeAvailable(0, 0);
        AssertBroken();
    }

    [Fact]
    public void An_indirect_table_outside_ram_breaks_the_device()
    {
        _driver.WriteDescriptor(0, 0, OutsideRam, 64, SplitRing.DescriptorIndirect, 0);
        _driver.MakeAvailable(0, 0);
        AssertBroken();
    }

    [Fact]
    public void An_indirect_loop_breaks_the_device()
    {
        ulong table = _driver.Allocate(32);
        _driver.WriteDescriptorAt(table, _driver.Allocate(4), 4, SplitRing.DescriptorNext, 1);
        _driver.WriteDescriptorAt(table + 16, _driver.Allocate(4), 4, SplitRing.DescriptorNext, 0);
        _driver.WriteDescriptor(0, 0, table, 32, SplitRing.DescriptorIndirect, 0);
        _driver.MakeAvailable(0, 0);
        AssertBroken();
    }

    [Fact]
    public void Rings_outside_ram_break_the_device_when_the_queue_is_enabled()
    {
        var transport = new VirtioMmioDriverTransport(_harness.Buses, EchoMmio.Base);
        transport.Status = 0;
        transport.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver;
        transport.SetDriverFeatures(VirtioFeatures.Version1);
        transport.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk;

        transport.SetUpQueue(0, EchoDevice.Size, OutsideRam, 0x2000, 0x3000);

        Assert.Equal(0u, transport.Read(VirtioMmioRegister.QueueReady));
        AssertBroken();
    }

    [Fact]
    public void A_broken_device_takes_no_more_requests_until_reset_and_then_works()
    {
        _driver.Submit(0, Out(OutsideRam, 16));
        _driver.Submit(0, Out(_driver.Allocate(1), 1), In(_driver.Allocate(1), 1));
        Assert.Empty(_harness.Device.Echo.Requests);

        _driver.Start(queues: 1);
        Assert.Equal(0, _driver.Transport.Status & VirtioStatus.NeedsReset);
        _driver.Submit(0, Out(_driver.Allocate(1), 1), In(_driver.Allocate(1), 1));
        Assert.Single(_harness.Device.Echo.Requests);
        Assert.True(_driver.TryTakeUsed(0, out _, out _));
    }

    [Fact]
    public void Random_descriptor_tables_never_throw_out_of_the_device()
    {
        var random = new Random(16);
        var transport = new VirtioMmioDriverTransport(_harness.Buses, EchoMmio.Base);
        for (int round = 0; round < 2000; round++)
        {
            var driver = new VirtioDriver(transport, _harness.Memory, heapStart: 0x1000); // the same RAM each round
            driver.Start(queues: 1);
            int entries = random.Next(1, 6);
            for (int i = 0; i < entries; i++)
            {
                ulong address = random.Next(4) == 0 ? (ulong)random.NextInt64() : (ulong)random.Next(0, 1 << 16);
                uint length = random.Next(3) == 0 ? (uint)random.Next() : (uint)random.Next(0, 64);
                driver.WriteDescriptor(0, (ushort)random.Next(EchoDevice.Size), address, length, (ushort)random.Next(8), (ushort)random.Next(12));
            }
            ulong table = driver.Allocate(64);
            for (int i = 0; i < 4; i++)
                driver.WriteDescriptorAt(table + (ulong)(16 * i), (ulong)random.Next(0, 1 << 16), (uint)random.Next(0, 64), (ushort)random.Next(8), (ushort)random.Next(6));
            driver.MakeAvailable(0, (ushort)random.Next(EchoDevice.Size + 2));
            if (random.Next(4) == 0)
                driver.SetAvailableIndex(0, (ushort)random.Next());
            driver.Transport.Notify(0);
            transport.TakeInterruptStatus();
        }
        Assert.True(_harness.Device.Echo.Requests.Count > 0);
        Assert.Contains(_harness.Log.Events, e => e.RenderMessage().Contains("NEEDS_RESET"));
    }
}
