namespace Hypervisor.X86.Memory;

/// <summary>
/// One translation look-aside buffer entry: a linear page, its physical page and, where the access
/// may go straight to RAM, host pointers for reads and writes (null sends the access down the slow
/// path: MMIO, a page holding decoded code, or a page whose dirty bit is not set yet).
/// </summary>
internal unsafe struct TlbEntry
{
    /// <summary>Linear page address | 1; 0 = empty.</summary>
    public ulong Tag;
    public byte* Read;
    public byte* Write;
    public ulong PhysicalPage;
    /// <summary>Writes are permitted and the dirty bit is set (only the code check remains).</summary>
    public bool Writable;
    /// <summary>No-execute page (PAE with EFER.NXE): instruction fetches fault.</summary>
    public bool NoExecute;
    /// <summary>Global page (CR4.PGE): survives CR3 reloads.</summary>
    public bool Global;
}
