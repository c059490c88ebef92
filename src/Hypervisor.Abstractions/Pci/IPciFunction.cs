namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// One PCI function's configuration space as the host bridge reaches it (configuration mechanism
/// #1, or ECAM later). Offsets are 0-255; accesses are 1, 2 or 4 bytes and never cross a dword.
/// Most functions use <see cref="PciConfigSpace"/>, which implements this with the standard header
/// and BAR sizing.
/// </summary>
public interface IPciFunction
{
    /// <summary>A configuration read of <paramref name="size"/> bytes at <paramref name="offset"/>.</summary>
    uint ReadConfig(int offset, int size);

    /// <summary>A configuration write of <paramref name="size"/> bytes at <paramref name="offset"/>.</summary>
    void WriteConfig(int offset, int size, uint value);
}
