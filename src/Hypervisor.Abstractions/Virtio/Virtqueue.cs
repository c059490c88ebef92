using System.Buffers.Binary;

namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// One split virtqueue as the device side sees it: the driver's ring addresses and size (set
/// through the transport), the next available entry to take, the next used entry to fill. Every
/// guest-memory access is checked against RAM first, and a chain is followed at most as many steps
/// as it could legally have, so a malformed queue ends in <see cref="VirtqueueException"/>, never
/// in a host exception or a loop. Thread-safe: requests may complete on any thread.
/// </summary>
public sealed class Virtqueue
{
    /// <summary>The most descriptors one chain may have, indirect tables included (QEMU's VIRTQUEUE_MAX_SIZE).</summary>
    public const int MaxChainLength = 1024;

    private readonly object _lock = new();
    private readonly IGuestMemory _memory;
    private ushort _nextAvail;
    private ushort _nextUsed;
    private ushort _signalledUsed;
    private bool _signalledValid;
    private int _generation;
    // Heads taken but not yet used, in the order taken: what a snapshot hands the device again.
    private readonly List<ushort> _inFlight = [];

    /// <param name="memory">Guest RAM the rings and buffers live in.</param>
    /// <param name="index">The queue's number on its device.</param>
    /// <param name="maxSize">The largest size the device accepts (a power of two, at most 32768).</param>
    public Virtqueue(IGuestMemory memory, int index, ushort maxSize)
    {
        if (maxSize == 0 || maxSize > 32768 || (maxSize & (maxSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(maxSize), maxSize, "a split virtqueue's size is a power of two up to 32768");
        _memory = memory;
        Index = index;
        MaxSize = maxSize;
        Size = maxSize;
    }

    public int Index { get; }

    public ushort MaxSize { get; }

    /// <summary>The size the driver chose (QueueNum / queue_size).</summary>
    public ushort Size { get; set; }

    /// <summary>The driver enabled the queue (QueueReady / queue_enable).</summary>
    public bool Ready { get; set; }

    public ulong DescriptorTable { get; set; }

    /// <summary>The available ring (the driver area).</summary>
    public ulong DriverArea { get; set; }

    /// <summary>The used ring (the device area).</summary>
    public ulong DeviceArea { get; set; }

    /// <summary>Indirect descriptors were negotiated.</summary>
    public bool IndirectDescriptors { get; set; }

    /// <summary>Event index suppression was negotiated.</summary>
    public bool EventIndex { get; set; }

    /// <summary>Called (outside the queue's lock) when a completion needs an interrupt.</summary>
    public Action? Interrupt { get; set; }

    /// <summary>Called when a completion finds the used ring gone from RAM (the transport marks the device broken).</summary>
    public Action<VirtqueueException>? Failed { get; set; }

    /// <summary>
    /// Checks what the driver set when it enables the queue: a power-of-two size within
    /// <see cref="MaxSize"/> and rings in RAM. Throws <see cref="VirtqueueException"/>.
    /// </summary>
    public void Validate()
    {
        if (Size == 0 || Size > MaxSize || (Size & (Size - 1)) != 0)
            throw new VirtqueueException($"queue {Index}: size {Size} is not a power of two up to {MaxSize}");
        RequireRam(DescriptorTable, SplitRing.DescriptorTableBytes(Size), "descriptor table");
        RequireRam(DriverArea, SplitRing.DriverAreaBytes(Size), "available ring");
        RequireRam(DeviceArea, SplitRing.DeviceAreaBytes(Size), "used ring");
    }

    /// <summary>
    /// Takes the next chain the driver made available, or returns false when there is none (or the
    /// queue is not ready). Throws <see cref="VirtqueueException"/> for a malformed chain.
    /// </summary>
    public bool TryTake(out VirtioRequest? request)
    {
        request = null;
        lock (_lock)
        {
            if (!Ready)
                return false;
            ushort availIndex = Read16(DriverArea + 2);
            ushort pending = (ushort)(availIndex - _nextAvail);
            if (pending == 0)
                return false;
            if (pending > Size)
                throw new VirtqueueException($"queue {Index}: the available index moved {pending} entries past the device, more than the queue's {Size}");
            Interlocked.MemoryBarrier(); // the ring entry after the index, as the driver wrote them
            ushort head = Read16(DriverArea + SplitRing.AvailRingOffset + 2UL * (ulong)(_nextAvail % Size));
            request = ReadChain(head);
            _inFlight.Add(head);
            _nextAvail++;
            if (EventIndex)
                Write16(DeviceArea + SplitRing.UsedRingOffset + (ulong)(SplitRing.UsedElementSize * Size), _nextAvail);
            return true;
        }
    }

    /// <summary>Puts <paramref name="request"/> in the used ring; see <see cref="VirtioRequest.Complete"/>.</summary>
    internal void Complete(VirtioRequest request, uint bytesWritten)
    {
        bool interrupt;
        try
        {
            interrupt = PutUsed(request, bytesWritten);
        }
        catch (VirtqueueException broken)
        {
            Failed?.Invoke(broken);
            return;
        }
        if (interrupt)
            Interrupt?.Invoke();
    }

    private bool PutUsed(VirtioRequest request, uint bytesWritten)
    {
        lock (_lock)
        {
            if (request.Generation != _generation || !Ready)
                return false;
            _inFlight.Remove(request.Head);
            ulong element = DeviceArea + SplitRing.UsedRingOffset + (ulong)(SplitRing.UsedElementSize * (_nextUsed % Size));
            Span<byte> used = stackalloc byte[SplitRing.UsedElementSize];
            BinaryPrimitives.WriteUInt32LittleEndian(used, request.Head);
            BinaryPrimitives.WriteUInt32LittleEndian(used[4..], bytesWritten);
            _memory.Write(element, used);
            Interlocked.MemoryBarrier(); // the element before the index that publishes it
            _nextUsed++;
            Write16(DeviceArea + 2, _nextUsed);
            Interlocked.MemoryBarrier(); // the index before reading what the driver wants signalled
            return NeedsInterrupt();
        }
    }

    /// <summary>Back to the power-on state; requests still held by the device are dropped when they complete.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _generation++;
            Ready = false;
            Size = MaxSize;
            DescriptorTable = DriverArea = DeviceArea = 0;
            _nextAvail = _nextUsed = _signalledUsed = 0;
            _signalledValid = false;
            _inFlight.Clear();
        }
    }

    /// <summary>
    /// Writes the queue's registers, ring positions and the heads of the chains the device holds
    /// (taken, not yet used); the chains themselves stay in guest RAM, which the snapshot holds.
    /// </summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt16(Size);
            writer.WriteBool(Ready);
            writer.WriteUInt64(DescriptorTable);
            writer.WriteUInt64(DriverArea);
            writer.WriteUInt64(DeviceArea);
            writer.WriteBool(IndirectDescriptors);
            writer.WriteBool(EventIndex);
            writer.WriteUInt16(_nextAvail);
            writer.WriteUInt16(_nextUsed);
            writer.WriteUInt16(_signalledUsed);
            writer.WriteBool(_signalledValid);
            writer.WriteUInt16((ushort)_inFlight.Count);
            foreach (ushort head in _inFlight)
                writer.WriteUInt16(head);
        }
    }

    /// <summary>
    /// Takes what <see cref="SaveState"/> wrote and returns the chains the device held, read again
    /// from guest RAM (restored first), in the order they were taken: the caller hands them to the
    /// device again. Throws <see cref="StateFormatException"/> for a size or chain that cannot be.
    /// </summary>
    public IReadOnlyList<VirtioRequest> LoadState(IStateReader reader)
    {
        lock (_lock)
        {
            _generation++;
            ushort size = reader.ReadUInt16();
            if (size == 0 || size > MaxSize)
                throw new StateFormatException($"queue {Index}: saved size {size} is not 1-{MaxSize}");
            Size = size;
            Ready = reader.ReadBool();
            DescriptorTable = reader.ReadUInt64();
            DriverArea = reader.ReadUInt64();
            DeviceArea = reader.ReadUInt64();
            IndirectDescriptors = reader.ReadBool();
            EventIndex = reader.ReadBool();
            _nextAvail = reader.ReadUInt16();
            _nextUsed = reader.ReadUInt16();
            _signalledUsed = reader.ReadUInt16();
            _signalledValid = reader.ReadBool();
            int held = reader.ReadUInt16();
            if (held > Size)
                throw new StateFormatException($"queue {Index}: {held} chains held, more than the queue's {Size}");
            _inFlight.Clear();
            var requests = new List<VirtioRequest>(held);
            for (int i = 0; i < held; i++)
            {
                ushort head = reader.ReadUInt16();
                try
                {
                    requests.Add(ReadChain(head));
                }
                catch (VirtqueueException bad)
                {
                    throw new StateFormatException($"held chain {head} cannot be read again: {bad.Message}");
                }
                _inFlight.Add(head);
            }
            return requests;
        }
    }

    // Caller holds _lock.
    private bool NeedsInterrupt()
    {
        if (!EventIndex)
            return (Read16(DriverArea) & SplitRing.AvailNoInterrupt) == 0;
        ushort usedEvent = Read16(DriverArea + SplitRing.AvailRingOffset + 2UL * Size);
        ushort old = _signalledUsed;
        bool valid = _signalledValid;
        _signalledUsed = _nextUsed;
        _signalledValid = true;
        // vring_need_event: did the new index step over the one the driver asked to hear about?
        return !valid || (ushort)(_nextUsed - usedEvent - 1) < (ushort)(_nextUsed - old);
    }

    private VirtioRequest ReadChain(ushort head)
    {
        var readable = new List<GuestBuffer>();
        var writable = new List<GuestBuffer>();
        ulong table = DescriptorTable;
        uint entries = Size;
        ushort index = head;
        bool indirect = false;
        int steps = 0;
        for (;;)
        {
            if (index >= entries)
                throw new VirtqueueException($"queue {Index}: descriptor {index} is outside its {(indirect ? "indirect " : "")}table of {entries}");
            if (++steps > MaxChainLength || (!indirect && steps > Size))
                throw new VirtqueueException($"queue {Index}: the chain from descriptor {head} is longer than {(indirect ? MaxChainLength : Size)} descriptors (a loop?)");
            var (address, length, flags, next) = ReadDescriptor(table + (ulong)(index * SplitRing.DescriptorSize));
            if ((flags & SplitRing.DescriptorIndirect) != 0)
            {
                if (!IndirectDescriptors || indirect || (flags & SplitRing.DescriptorNext) != 0)
                    throw new VirtqueueException($"queue {Index}: descriptor {index} is an indirect table where none may be (not negotiated, nested, or chained)");
                if (length == 0 || length % SplitRing.DescriptorSize != 0 || length / SplitRing.DescriptorSize > MaxChainLength)
                    throw new VirtqueueException($"queue {Index}: indirect table of {length} bytes is not 1-{MaxChainLength} descriptors");
                RequireRam(address, length, "indirect table");
                table = address;
                entries = length / SplitRing.DescriptorSize;
                indirect = true;
                index = 0;
                continue;
            }
            if ((flags & SplitRing.DescriptorWrite) == 0 && writable.Count > 0)
                throw new VirtqueueException($"queue {Index}: descriptor {index} is device-readable after a device-writable one");
            if (length > 0)
            {
                RequireRam(address, length, $"buffer of descriptor {index}");
                ((flags & SplitRing.DescriptorWrite) != 0 ? writable : readable).Add(new GuestBuffer(address, length));
            }
            if ((flags & SplitRing.DescriptorNext) == 0)
                break;
            index = next;
        }
        return new VirtioRequest(this, _memory, head, _generation, readable, writable);
    }

    private (ulong Address, uint Length, ushort Flags, ushort Next) ReadDescriptor(ulong at)
    {
        RequireRam(at, SplitRing.DescriptorSize, "descriptor");
        Span<byte> d = stackalloc byte[SplitRing.DescriptorSize];
        _memory.Read(at, d);
        return (BinaryPrimitives.ReadUInt64LittleEndian(d), BinaryPrimitives.ReadUInt32LittleEndian(d[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(d[12..]), BinaryPrimitives.ReadUInt16LittleEndian(d[14..]));
    }

    private ushort Read16(ulong address)
    {
        RequireRam(address, 2, "ring");
        Span<byte> b = stackalloc byte[2];
        _memory.Read(address, b);
        return BinaryPrimitives.ReadUInt16LittleEndian(b);
    }

    private void Write16(ulong address, ushort value)
    {
        RequireRam(address, 2, "ring");
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _memory.Write(address, b);
    }

    private void RequireRam(ulong address, ulong length, string what)
    {
        if (address + length < address || !_memory.IsRam(address, length))
            throw new VirtqueueException($"queue {Index}: {what} at 0x{address:x} (+0x{length:x}) is not guest RAM");
    }
}
