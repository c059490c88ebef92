namespace Hypervisor.Abstractions.Pci;

/// <summary>What a base address register decodes.</summary>
public enum PciBarKind
{
    /// <summary>I/O space (BAR bit 0 = 1), at most 256 ports.</summary>
    Io,
    /// <summary>32-bit memory space.</summary>
    Memory32,
    /// <summary>64-bit memory space: the BAR and the next one hold the address.</summary>
    Memory64,
}

/// <summary>
/// A base address register a function implements: its kind and its size (a power of two, at least
/// 4 bytes for I/O and 16 for memory). The guest sizes it by writing all ones and reading back.
/// </summary>
public sealed record PciBar(PciBarKind Kind, ulong Size, bool Prefetchable = false)
{
    /// <summary>Throws <see cref="ArgumentException"/> for a size the BAR cannot encode.</summary>
    public void Validate(int index)
    {
        ulong minimum = Kind == PciBarKind.Io ? 4UL : 16UL;
        ulong maximum = Kind switch { PciBarKind.Io => 256UL, PciBarKind.Memory32 => 1UL << 31, _ => 1UL << 63 };
        if (Size < minimum || Size > maximum || (Size & (Size - 1)) != 0)
            throw new ArgumentException($"BAR {index}: a {Kind} BAR of 0x{Size:x} bytes is not a power of two between 0x{minimum:x} and 0x{maximum:x}");
        if (Kind == PciBarKind.Memory64 && index >= PciConfigSpace.BarCount - 1)
            throw new ArgumentException($"BAR {index}: a 64-bit BAR needs the next BAR for its high half");
        if (Prefetchable && Kind == PciBarKind.Io)
            throw new ArgumentException($"BAR {index}: I/O BARs cannot be prefetchable");
    }
}

/// <summary>
/// Where a BAR decodes now: its guest address (I/O port or physical address) and whether the
/// command register lets it decode. Raised by <see cref="PciConfigSpace.BarChanged"/>.
/// </summary>
public sealed record PciBarMapping(int Index, PciBarKind Kind, ulong Address, ulong Size, bool Enabled)
{
    /// <summary>The first port past the 64 Ki I/O space.</summary>
    public const ulong PortSpaceEnd = 0x1_0000;

    /// <summary>
    /// True when the BAR claims its range on a bus now, by QEMU's rule (pci_bar_address): the
    /// command register enables its space, the address is not 0, and the range fits — an I/O BAR
    /// inside the 64 Ki ports, a 32-bit memory BAR ending below 0xffffffff, a 64-bit one not
    /// ending at the top of the address space. So a BAR still holding the all-ones sizing pattern
    /// (which reads back as the highest aligned address) decodes nothing.
    /// </summary>
    public bool Decodes
    {
        get
        {
            ulong last = Address + Size - 1;
            if (!Enabled || Address == 0 || last < Address)
                return false;
            return Kind switch
            {
                PciBarKind.Io => last < PortSpaceEnd,
                PciBarKind.Memory32 => last < uint.MaxValue,
                _ => last != ulong.MaxValue,
            };
        }
    }
}
