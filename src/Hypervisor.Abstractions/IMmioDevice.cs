namespace Hypervisor.Abstractions;

/// <summary>
/// A device on the memory-mapped I/O bus: guest physical accesses that no RAM slot backs.
/// Offsets are relative to the base the machine file gives.
/// </summary>
public interface IMmioDevice : IDevice
{
    /// <summary>Length in bytes of the device's MMIO window.</summary>
    ulong MmioSize { get; }

    /// <summary>A guest load of <paramref name="size"/> (1, 2, 4 or 8) bytes.</summary>
    ulong Read(ulong offset, int size);

    /// <summary>A guest store of <paramref name="size"/> (1, 2, 4 or 8) bytes.</summary>
    void Write(ulong offset, int size, ulong value);
}
