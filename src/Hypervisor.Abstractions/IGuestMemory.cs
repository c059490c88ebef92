namespace Hypervisor.Abstractions;

/// <summary>Guest physical memory, for devices that do DMA. Accesses outside RAM throw.</summary>
public interface IGuestMemory
{
    /// <summary>Copies guest physical memory at <paramref name="address"/> into <paramref name="destination"/>.</summary>
    void Read(ulong address, Span<byte> destination);

    /// <summary>Copies <paramref name="source"/> into guest physical memory at <paramref name="address"/>.</summary>
    void Write(ulong address, ReadOnlySpan<byte> source);

    /// <summary>True when every byte of [address, address + length) is backed by RAM.</summary>
    bool IsRam(ulong address, ulong length);
}
