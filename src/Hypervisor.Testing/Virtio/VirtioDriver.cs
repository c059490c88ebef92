using System.Buffers.Binary;
using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Virtio;

namespace Hypervisor.Testing.Virtio;

/// <summary>
/// A small guest-side virtio driver for device tests: it negotiates features, lays out split rings
/// in the harness's guest RAM, submits descriptor chains and reads the used rings back, through a
/// transport's registers (<see cref="VirtioMmioDriverTransport"/>, <see cref="VirtioPciDriverTransport"/>).
/// It also writes raw descriptors, so tests can hand a device the malformed chains a hostile guest would.
/// <code>
/// var driver = new VirtioDriver(new VirtioMmioDriverTransport(rng.Buses, 0xd000_0000), rng.Memory);
/// driver.Start(queues: 1);
/// var buffer = driver.Allocate(16);
/// driver.Submit(0, VirtioDriver.Out(buffer, 16));
/// </code>
/// </summary>
public sealed class VirtioDriver
{
    private readonly IGuestMemory _memory;
    private readonly Dictionary<int, Ring> _rings = [];
    private ulong _next;
    private readonly ulong _end;

    /// <param name="transport">The device's registers.</param>
    /// <param name="memory">Guest RAM (the harness's).</param>
    /// <param name="heapStart">Where the driver allocates rings and buffers from.</param>
    /// <param name="heapEnd">The end of the area the driver may use.</param>
    public VirtioDriver(IVirtioDriverTransport transport, ArrayGuestMemory memory, ulong? heapStart = null, ulong? heapEnd = null)
    {
        Transport = transport;
        _memory = memory;
        _next = heapStart ?? memory.BaseAddress + 0x1000;
        _end = heapEnd ?? memory.BaseAddress + (ulong)memory.Bytes.Length;
    }

    public IVirtioDriverTransport Transport { get; }

    /// <summary>A chain element: a buffer and whether the device writes it.</summary>
    public readonly record struct ChainBuffer(ulong Address, uint Length, bool DeviceWrites);

    public static ChainBuffer Out(ulong address, uint length) => new(address, length, false);

    public static ChainBuffer In(ulong address, uint length) => new(address, length, true);

    /// <summary>Reset, ACKNOWLEDGE, DRIVER, the features (default: all offered), FEATURES_OK, every queue of <paramref name="queues"/> set up, DRIVER_OK.</summary>
    public void Start(int queues, ulong? features = null, ushort? queueSize = null)
    {
        Transport.Status = 0;
        Transport.Status = VirtioStatus.Acknowledge;
        Transport.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver;
        Transport.SetDriverFeatures(features ?? Transport.DeviceFeatures);
        Transport.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk;
        for (int q = 0; q < queues; q++)
        {
            ushort size = queueSize ?? Transport.QueueMaxSize(q);
            var ring = new Ring(size, Allocate(SplitRing.DescriptorTableBytes(size), 16), Allocate(SplitRing.DriverAreaBytes(size), 2),
                Allocate(SplitRing.DeviceAreaBytes(size), 4));
            _rings[q] = ring;
            Transport.SetUpQueue(q, size, ring.Descriptors, ring.Driver, ring.Device);
        }
        Transport.Status = VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk;
    }

    /// <summary>Reserves <paramref name="length"/> bytes of guest RAM (zeroed), aligned to <paramref name="alignment"/>.</summary>
    public ulong Allocate(ulong length, ulong alignment = 16)
    {
        ulong at = (_next + alignment - 1) / alignment * alignment;
        if (at + length > _end)
            throw new InvalidOperationException("the test driver's guest RAM is full");
        _next = at + length;
        _memory.Write(at, new byte[length]);
        return at;
    }

    /// <summary>Puts <paramref name="buffers"/> as one chain in the next free descriptors, makes it available and notifies; returns its head.</summary>
    public ushort Submit(int queue, params ChainBuffer[] buffers)
    {
        var ring = _rings[queue];
        ushort head = ring.NextDescriptor;
        for (int i = 0; i < buffers.Length; i++)
        {
            ushort index = (ushort)((head + i) % ring.Size);
            bool more = i + 1 < buffers.Length;
            WriteDescriptor(queue, index, buffers[i].Address, buffers[i].Length,
                (ushort)((more ? SplitRing.DescriptorNext : 0) | (buffers[i].DeviceWrites ? SplitRing.DescriptorWrite : 0)),
                (ushort)((index + 1) % ring.Size));
        }
        ring.NextDescriptor = (ushort)((head + buffers.Length) % ring.Size);
        MakeAvailable(queue, head);
        return head;
    }

    /// <summary>Writes descriptor <paramref name="index"/> of <paramref name="queue"/>'s table as given (no checks: tests write bad ones too).</summary>
    public void WriteDescriptor(int queue, ushort index, ulong address, uint length, ushort flags, ushort next)
        => WriteDescriptorAt(_rings[queue].Descriptors + (ulong)(index * SplitRing.DescriptorSize), address, length, flags, next);

    /// <summary>Writes one descriptor at <paramref name="at"/> (an indirect table's entry).</summary>
    public void WriteDescriptorAt(ulong at, ulong address, uint length, ushort flags, ushort next)
    {
        Span<byte> d = stackalloc byte[SplitRing.DescriptorSize];
        BinaryPrimitives.WriteUInt64LittleEndian(d, address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(d[12..], flags);
        BinaryPrimitives.WriteUInt16LittleEndian(d[14..], next);
        _memory.Write(at, d);
    }

    /// <summary>Adds <paramref name="head"/> to the available ring without notifying.</summary>
    public void MakeAvailable(int queue, ushort head, bool notify = true)
    {
        var ring = _rings[queue];
        Write16(ring.Driver + SplitRing.AvailRingOffset + 2UL * (ulong)(ring.AvailIndex % ring.Size), head);
        ring.AvailIndex++;
        Write16(ring.Driver + 2, ring.AvailIndex);
        if (notify)
            Transport.Notify(queue);
    }

    /// <summary>Sets the available index directly (a driver lying about how many entries it added).</summary>
    public void SetAvailableIndex(int queue, ushort index) => Write16(_rings[queue].Driver + 2, _rings[queue].AvailIndex = index);

    /// <summary>Sets used_event (event index) or the available ring's flags.</summary>
    public void SetUsedEvent(int queue, ushort value) => Write16(_rings[queue].Driver + SplitRing.AvailRingOffset + 2UL * _rings[queue].Size, value);

    public void SetAvailableFlags(int queue, ushort flags) => Write16(_rings[queue].Driver, flags);

    /// <summary>The next used element the driver has not seen yet, if the device has put one.</summary>
    public bool TryTakeUsed(int queue, out ushort head, out uint length)
    {
        var ring = _rings[queue];
        head = 0;
        length = 0;
        if (Read16(ring.Device + 2) == ring.UsedSeen)
            return false;
        Span<byte> element = stackalloc byte[SplitRing.UsedElementSize];
        _memory.Read(ring.Device + SplitRing.UsedRingOffset + (ulong)(SplitRing.UsedElementSize * (ring.UsedSeen % ring.Size)), element);
        head = (ushort)BinaryPrimitives.ReadUInt32LittleEndian(element);
        length = BinaryPrimitives.ReadUInt32LittleEndian(element[4..]);
        ring.UsedSeen++;
        return true;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next used element: for a device that completes
    /// on its own thread (virtio-blk's I/O thread). False when none came.
    /// </summary>
    public bool WaitForUsed(int queue, TimeSpan timeout, out ushort head, out uint length)
    {
        var deadline = DateTime.UtcNow + timeout;
        var spin = new SpinWait();
        while (!TryTakeUsed(queue, out head, out length))
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            spin.SpinOnce();
        }
        return true;
    }

    /// <summary>avail_event: where the device wants the next notification (event index).</summary>
    public ushort AvailEvent(int queue) => Read16(_rings[queue].Device + SplitRing.UsedRingOffset + (ulong)(SplitRing.UsedElementSize * _rings[queue].Size));

    public byte[] ReadMemory(ulong address, int length)
    {
        var data = new byte[length];
        _memory.Read(address, data);
        return data;
    }

    public void WriteMemory(ulong address, ReadOnlySpan<byte> data) => _memory.Write(address, data);

    private ushort Read16(ulong address)
    {
        Span<byte> b = stackalloc byte[2];
        _memory.Read(address, b);
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }

    private void Write16(ulong address, ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _memory.Write(address, b);
    }

    private sealed class Ring(ushort size, ulong descriptors, ulong driver, ulong device)
    {
        public ushort Size { get; } = size;
        public ulong Descriptors { get; } = descriptors;
        public ulong Driver { get; } = driver;
        public ulong Device { get; } = device;
        public ushort NextDescriptor { get; set; }
        public ushort AvailIndex { get; set; }
        public ushort UsedSeen { get; set; }
    }
}
