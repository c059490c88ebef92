using Hypervisor.Abstractions;

namespace Hypervisor.Core.Memory;

/// <summary>
/// The guest's physical address space: non-overlapping RAM slots. Addresses no slot backs are
/// not RAM; a vCPU touching them makes an MMIO exit.
/// </summary>
public sealed unsafe class GuestMemory : IGuestMemory, IDisposable
{
    private readonly MemorySlot[] _slots;

    /// <summary>Called after a device writes guest memory (DMA), so a CPU can drop decoded code there.</summary>
    public event Action<ulong, int>? ExternalWrite;

    /// <summary>Reserves one lazily backed slot per range; throws <see cref="HostMemoryException"/> when the host refuses one.</summary>
    public GuestMemory(IEnumerable<(ulong Base, ulong Size)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Base).ToArray();
        for (int i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Base < sorted[i - 1].Base + sorted[i - 1].Size)
                throw new ArgumentException(
                    $"memory ranges [0x{sorted[i - 1].Base:x}, 0x{sorted[i - 1].Base + sorted[i - 1].Size:x}) and [0x{sorted[i].Base:x}, 0x{sorted[i].Base + sorted[i].Size:x}) overlap");
        }
        _slots = new MemorySlot[sorted.Length];
        try
        {
            for (int i = 0; i < sorted.Length; i++)
                _slots[i] = new MemorySlot(i, sorted[i].Base, sorted[i].Size);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The slots, sorted by guest address.</summary>
    public IReadOnlyList<MemorySlot> Slots => _slots;

    /// <summary>Total bytes of RAM.</summary>
    public ulong TotalSize => _slots.Aggregate(0UL, (sum, s) => sum + s.Size);

    /// <summary>The slot holding <paramref name="address"/>, or null.</summary>
    public MemorySlot? FindSlot(ulong address)
    {
        foreach (var slot in _slots)
        {
            if (address >= slot.GuestAddress && address < slot.End)
                return slot;
        }
        return null;
    }

    /// <summary>
    /// The host address of [address, address + length) when one slot backs all of it; otherwise null.
    /// </summary>
    public byte* TryGetHostPointer(ulong address, ulong length)
    {
        var slot = FindSlot(address);
        return slot != null && slot.Contains(address, length) ? slot.HostPointer + (address - slot.GuestAddress) : null;
    }

    public bool IsRam(ulong address, ulong length)
    {
        // A range may span adjacent slots.
        while (length > 0)
        {
            var slot = FindSlot(address);
            if (slot == null)
                return false;
            ulong chunk = Math.Min(length, slot.End - address);
            address += chunk;
            length -= chunk;
        }
        return true;
    }

    public void Read(ulong address, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            var slot = FindSlot(address) ?? throw Unmapped(address, destination.Length);
            int chunk = (int)Math.Min((ulong)destination.Length, slot.End - address);
            new ReadOnlySpan<byte>(slot.HostPointer + (address - slot.GuestAddress), chunk).CopyTo(destination);
            destination = destination[chunk..];
            address += (ulong)chunk;
        }
    }

    public void Write(ulong address, ReadOnlySpan<byte> source)
    {
        ulong start = address;
        int total = source.Length;
        while (source.Length > 0)
        {
            var slot = FindSlot(address) ?? throw Unmapped(address, source.Length);
            int chunk = (int)Math.Min((ulong)source.Length, slot.End - address);
            source[..chunk].CopyTo(new Span<byte>(slot.HostPointer + (address - slot.GuestAddress), chunk));
            source = source[chunk..];
            address += (ulong)chunk;
        }
        ExternalWrite?.Invoke(start, total);
    }

    private static ArgumentOutOfRangeException Unmapped(ulong address, int length) =>
        new(nameof(address), $"guest physical range [0x{address:x}, 0x{address + (ulong)length:x}) is not RAM");

    public void Dispose()
    {
        foreach (var slot in _slots)
            slot?.Dispose();
    }
}
