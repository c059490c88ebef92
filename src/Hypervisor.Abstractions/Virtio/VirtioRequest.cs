namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// One request the guest handed in: a descriptor chain, split into the buffers the device reads
/// (the driver's data, first) and those it writes (its answer, after). Every buffer was checked to
/// be guest RAM when the chain was taken, so <see cref="Read"/> and <see cref="Write"/> only copy.
/// The device answers with <see cref="Complete"/>, once, from any thread; until then the buffers
/// stay the device's (a console keeps receive requests until input arrives).
/// </summary>
public sealed class VirtioRequest
{
    private readonly Virtqueue _queue;
    private readonly IGuestMemory _memory;
    private int _completed;

    internal VirtioRequest(Virtqueue queue, IGuestMemory memory, ushort head, int generation,
        IReadOnlyList<GuestBuffer> readable, IReadOnlyList<GuestBuffer> writable)
    {
        _queue = queue;
        _memory = memory;
        Head = head;
        Generation = generation;
        Readable = readable;
        Writable = writable;
        ReadableLength = readable.Sum(b => (long)b.Length);
        WritableLength = writable.Sum(b => (long)b.Length);
    }

    /// <summary>The queue the request came from (0-based).</summary>
    public int Queue => _queue.Index;

    /// <summary>The chain's first descriptor index (its id in the used ring).</summary>
    public ushort Head { get; }

    /// <summary>The buffers the device reads, in chain order.</summary>
    public IReadOnlyList<GuestBuffer> Readable { get; }

    /// <summary>The buffers the device writes, in chain order.</summary>
    public IReadOnlyList<GuestBuffer> Writable { get; }

    /// <summary>Total bytes of <see cref="Readable"/>.</summary>
    public long ReadableLength { get; }

    /// <summary>Total bytes of <see cref="Writable"/>.</summary>
    public long WritableLength { get; }

    internal int Generation { get; }

    /// <summary>Copies readable bytes from <paramref name="offset"/> (across buffers) into <paramref name="destination"/>; returns how many there were.</summary>
    public int Read(long offset, Span<byte> destination)
    {
        int done = 0;
        foreach (var (address, count) in Segments(Readable, offset, destination.Length))
        {
            _memory.Read(address, destination.Slice(done, count));
            done += count;
        }
        return done;
    }

    /// <summary>Copies <paramref name="source"/> into the writable buffers from <paramref name="offset"/>; returns how many bytes fitted.</summary>
    public int Write(long offset, ReadOnlySpan<byte> source)
    {
        int done = 0;
        foreach (var (address, count) in Segments(Writable, offset, source.Length))
        {
            _memory.Write(address, source.Slice(done, count));
            done += count;
        }
        return done;
    }

    /// <summary>
    /// Hands the chain back to the guest with <paramref name="bytesWritten"/> (clamped to
    /// <see cref="WritableLength"/>) in the used ring, and interrupts the guest unless it asked not
    /// to be. A second call throws: a device bug, not a guest one. A request from before a device
    /// reset is dropped silently.
    /// </summary>
    public void Complete(long bytesWritten)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            throw new InvalidOperationException($"virtqueue {Queue}: request {Head} completed twice");
        _queue.Complete(this, (uint)Math.Clamp(bytesWritten, 0, Math.Min(WritableLength, uint.MaxValue)));
    }

    // The guest addresses and lengths that [offset, offset + length) of the buffers' concatenation covers.
    private static IEnumerable<(ulong Address, int Count)> Segments(IReadOnlyList<GuestBuffer> buffers, long offset, int length)
    {
        int done = 0;
        foreach (var buffer in buffers)
        {
            if (done == length)
                yield break;
            if (offset >= buffer.Length)
            {
                offset -= buffer.Length;
                continue;
            }
            int count = (int)Math.Min(buffer.Length - offset, length - done);
            yield return (buffer.Address + (ulong)offset, count);
            done += count;
            offset = 0;
        }
    }
}
