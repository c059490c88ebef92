namespace Hypervisor.Abstractions;

/// <summary>
/// A device on the x86 I/O port bus. Accesses arrive relative to the base port the machine file
/// gives, so the same device works at any base (a UART at 0x3f8 or 0x2f8).
/// </summary>
public interface IPortDevice : IDevice
{
    /// <summary>How many consecutive ports the device claims from its base (8 for a 16550).</summary>
    int PortCount { get; }

    /// <summary>A guest IN of <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="offset"/>.</summary>
    uint Read(ushort offset, int size);

    /// <summary>A guest OUT of <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="offset"/>.</summary>
    void Write(ushort offset, int size, uint value);
}
