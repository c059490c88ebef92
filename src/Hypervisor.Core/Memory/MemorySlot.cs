namespace Hypervisor.Core.Memory;

/// <summary>
/// One contiguous range of guest RAM, backed by a private anonymous mapping outside the GC heap
/// (what KVM_SET_USER_MEMORY_REGION registers as <c>userspace_addr</c>). Pages are zero and cost
/// host RAM only once touched, so a 16 GiB slot that the guest barely uses stays small.
/// </summary>
public sealed unsafe class MemorySlot : IDisposable
{
    public const ulong PageSize = 4096;

    private byte* _host;

    public MemorySlot(int index, ulong guestAddress, ulong size)
    {
        if (guestAddress % PageSize != 0 || size == 0 || size % PageSize != 0)
            throw new ArgumentException($"slot {index}: base 0x{guestAddress:x} and size 0x{size:x} must be non-zero multiples of 4 KiB");
        Index = index;
        GuestAddress = guestAddress;
        Size = size;
        _host = AnonymousMapping.Map(guestAddress, size);
    }

    /// <summary>KVM's slot number.</summary>
    public int Index { get; }

    public ulong GuestAddress { get; }

    public ulong Size { get; }

    /// <summary>One past the last guest physical address of the slot.</summary>
    public ulong End => GuestAddress + Size;

    /// <summary>The host address of the slot's first byte.</summary>
    public byte* HostPointer => _host != null ? _host : throw new ObjectDisposedException(nameof(MemorySlot));

    /// <summary>The slot's bytes as a span (sizes over 2 GiB are reached through <see cref="HostPointer"/>).</summary>
    public Span<byte> Span => new(HostPointer, (int)Math.Min(Size, int.MaxValue));

    public bool Contains(ulong address, ulong length) =>
        address >= GuestAddress && length <= Size && address - GuestAddress <= Size - length;

    public void Dispose()
    {
        if (_host != null)
        {
            AnonymousMapping.Unmap(_host, Size);
            _host = null;
        }
    }

    public override string ToString() => $"slot {Index} [0x{GuestAddress:x}, 0x{End:x})";
}
