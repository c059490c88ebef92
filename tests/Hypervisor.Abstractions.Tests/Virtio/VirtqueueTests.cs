using System.Text;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>Split virtqueues through the virtio-mmio transport: chains, indirect tables, wrap-around, interrupt suppression.</summary>
public sealed class VirtqueueTests : IDisposable
{
    private readonly DeviceHarness<EchoMmio> _harness = DeviceHarness.Create<EchoMmio>();
    private readonly VirtioDriver _driver;

    public VirtqueueTests()
    {
        _driver = new VirtioDriver(new VirtioMmioDriverTransport(_harness.Buses, EchoMmio.Base), _harness.Memory);
    }

    public void Dispose() => _harness.Dispose();

    private EchoDevice Echo => _harness.Device.Echo;

    private ulong Put(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        ulong at = _driver.Allocate((ulong)bytes.Length);
        _driver.WriteMemory(at, bytes);
        return at;
    }

    [Fact]
    public void A_chain_reaches_the_device_split_into_readable_and_writable_buffers()
    {
        _driver.Start(queues: 1);
        ulong first = Put("abc"), second = Put("de"), answer = _driver.Allocate(8);

        ushort head = _driver.Submit(0, Out(first, 3), Out(second, 2), In(answer, 8));

        var request = Assert.Single(Echo.Requests);
        Assert.Equal(5, request.ReadableLength);
        Assert.Equal(8, request.WritableLength);
        Assert.True(_driver.TryTakeUsed(0, out ushort used, out uint length));
        Assert.Equal(head, used);
        Assert.Equal(5u, length);
        Assert.Equal("edcba", Encoding.ASCII.GetString(_driver.ReadMemory(answer, 5)));
    }

    [Fact]
    public void A_completion_raises_the_line_with_an_edge_and_the_ack_lowers_it()
    {
        _driver.Start(queues: 1);
        _driver.Submit(0, Out(Put("x"), 1), In(_driver.Allocate(1), 1));

        Assert.True(_harness.Irq.Level);
        Assert.Equal(1, _harness.Irq.RisingEdges);
        Assert.Equal(VirtioInterrupt.UsedBuffer, _driver.Transport.TakeInterruptStatus());
        Assert.False(_harness.Irq.Level);
    }

    [Fact]
    public void An_indirect_table_is_followed()
    {
        _driver.Start(queues: 1);
        ulong table = _driver.Allocate(3 * SplitRing.DescriptorSize);
        ulong answer = _driver.Allocate(4);
        _driver.WriteDescriptorAt(table, Put("hi"), 2, SplitRing.DescriptorNext, 1);
        _driver.WriteDescriptorAt(table + 16, Put("!"), 1, SplitRing.DescriptorNext, 2);
        _driver.WriteDescriptorAt(table + 32, answer, 4, SplitRing.DescriptorWrite, 0);
        _driver.WriteDescriptor(0, 0, table, 3 * SplitRing.DescriptorSize, SplitRing.DescriptorIndirect, 0);

        _driver.MakeAvailable(0, 0);

        Assert.True(_driver.TryTakeUsed(0, out _, out uint length));
        Assert.Equal(3u, length);
        Assert.Equal("!ih", Encoding.ASCII.GetString(_driver.ReadMemory(answer, 3)));
    }

    [Fact]
    public void The_rings_wrap_around_many_times()
    {
        _driver.Start(queues: 1);
        ulong answer = _driver.Allocate(4);
        for (int i = 0; i < 5 * EchoDevice.Size + 3; i++)
        {
            _driver.Submit(0, Out(Put($"{i % 10}"), 1), In(answer, 4));
            Assert.True(_driver.TryTakeUsed(0, out _, out uint length));
            Assert.Equal(1u, length);
            Assert.Equal((byte)('0' + i % 10), _driver.ReadMemory(answer, 1)[0]);
        }
        Assert.Equal(5 * EchoDevice.Size + 3, Echo.Requests.Count);
    }

    [Fact]
    public void With_event_index_the_device_publishes_avail_event_and_honours_used_event()
    {
        _driver.Start(queues: 1);
        _driver.SetUsedEvent(0, 5); // interrupt only when used idx passes 5
        ulong answer = _driver.Allocate(4);

        _driver.Submit(0, Out(Put("a"), 1), In(answer, 1));
        Assert.Equal(1, _driver.AvailEvent(0));
        int edges = _harness.Irq.RisingEdges; // the first completion always signals
        for (int i = 0; i < 4; i++)
            _driver.Submit(0, Out(Put("a"), 1), In(answer, 1));
        Assert.Equal(edges, _harness.Irq.RisingEdges);
        _driver.Submit(0, Out(Put("a"), 1), In(answer, 1)); // used idx 5 -> 6 crosses used_event 5
        Assert.Equal(edges + 1, _harness.Irq.RisingEdges);
    }

    [Fact]
    public void Without_event_index_no_interrupt_flag_suppresses_interrupts()
    {
        _driver.Start(queues: 1, features: VirtioFeatures.Version1);
        _driver.SetAvailableFlags(0, SplitRing.AvailNoInterrupt);

        _driver.Submit(0, Out(Put("a"), 1), In(_driver.Allocate(1), 1));

        Assert.Single(Echo.Requests);
        Assert.Equal(0, _harness.Irq.RisingEdges);
    }

    [Fact]
    public void A_request_completed_later_reaches_the_used_ring_then()
    {
        _driver.Start(queues: 1);
        Echo.Hold = true;
        _driver.Submit(0, Out(Put("a"), 1), In(_driver.Allocate(1), 1));
        Assert.False(_driver.TryTakeUsed(0, out _, out _));

        Echo.Requests[0].Complete(0);

        Assert.True(_driver.TryTakeUsed(0, out _, out _));
        Assert.Throws<InvalidOperationException>(() => Echo.Requests[0].Complete(0));
    }

    [Fact]
    public void A_request_held_across_a_reset_is_dropped_when_it_completes()
    {
        _driver.Start(queues: 1);
        Echo.Hold = true;
        _driver.Submit(0, Out(Put("a"), 1), In(_driver.Allocate(1), 1));
        var held = Echo.Requests[0];

        _driver.Start(queues: 1); // writes 0 to Status first
        held.Complete(1);

        Assert.False(_driver.TryTakeUsed(0, out _, out _));
        Assert.True(Echo.Resets >= 1);
    }
}
