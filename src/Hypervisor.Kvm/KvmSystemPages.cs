namespace Hypervisor.Kvm;

/// <summary>
/// Where a VM's KVM-private pages go: the three TSS pages of KVM_SET_TSS_ADDR (an Intel host runs
/// real mode through them) and the identity-map page of KVM_SET_IDENTITY_MAP_ADDR. KVM backs them
/// with private memory slots, which must not overlap RAM and must end below 4 GiB. QEMU's addresses
/// are used when they are free; otherwise the highest free pages below 4 GiB, clear of the IOAPIC and
/// local APIC pages.
/// </summary>
public readonly record struct KvmSystemPages(ulong TssAddress, ulong IdentityMapAddress)
{
    /// <summary>QEMU's TSS address, just below the BIOS.</summary>
    public const ulong DefaultTssAddress = 0xfffb_d000;

    /// <summary>QEMU's identity-map page, just below 0xff000000.</summary>
    public const ulong DefaultIdentityMapAddress = 0xfeff_c000;

    public const ulong PageSize = 4096;

    /// <summary>KVM_SET_TSS_ADDR claims three pages.</summary>
    public const ulong TssSize = 3 * PageSize;

    /// <summary>Guest physical space both need outside RAM, in bytes.</summary>
    public const ulong TotalSize = TssSize + PageSize;

    private const ulong FourGiB = 1ul << 32;

    // Pages the placement keeps clear besides RAM: page 0 (KVM reads an identity-map address of 0 as
    // "unset"), and the IOAPIC and local APIC registers, which a private slot would hide.
    private static readonly (ulong Start, ulong End)[] Reserved =
    [
        (0, PageSize),
        (0xfec0_0000, 0xfec0_1000),
        (0xfee0_0000, 0xfee0_1000),
    ];

    /// <summary>The placement for RAM at <paramref name="ram"/>, or null when RAM leaves no room below 4 GiB.</summary>
    public static KvmSystemPages? Place(IEnumerable<(ulong Base, ulong Size)> ram)
    {
        var taken = ram.Select(r => (Start: r.Base, End: r.Base + r.Size)).Concat(Reserved).ToList();
        if (FindFree(taken, TssSize, DefaultTssAddress) is not { } tss)
            return null;
        taken.Add((tss, tss + TssSize));
        if (FindFree(taken, PageSize, DefaultIdentityMapAddress) is not { } identityMap)
            return null;
        return new KvmSystemPages(tss, identityMap);
    }

    /// <summary>Why RAM at <paramref name="ram"/> leaves no room for the pages, or null when it does.</summary>
    public static string? Check(IEnumerable<(ulong Base, ulong Size)> ram) => Place(ram) == null
        ? $"KVM needs {TotalSize / 1024} KiB of guest physical addresses below 4 GiB that are not RAM, for its TSS and " +
          "identity-map pages (KVM_SET_TSS_ADDR, KVM_SET_IDENTITY_MAP_ADDR), and these ranges leave none: " +
          $"leave a gap below 4 GiB (QEMU uses [0x{DefaultTssAddress:x}, 0x{DefaultTssAddress + TssSize:x}) and 0x{DefaultIdentityMapAddress:x})"
        : null;

    /// <summary><paramref name="preferred"/> when free, else the highest free range below 4 GiB.</summary>
    private static ulong? FindFree(List<(ulong Start, ulong End)> taken, ulong size, ulong preferred)
    {
        if (IsFree(taken, preferred, size))
            return preferred;
        // Slide a window down from 4 GiB, jumping below whatever blocks it.
        for (ulong top = FourGiB; top >= size;)
        {
            ulong candidate = top - size;
            var blocking = taken.Where(t => t.Start < top && t.End > candidate).ToList();
            if (blocking.Count == 0)
                return candidate;
            top = blocking.Min(t => t.Start);
        }
        return null;
    }

    private static bool IsFree(List<(ulong Start, ulong End)> taken, ulong address, ulong size) =>
        address + size <= FourGiB && taken.All(t => t.End <= address || t.Start >= address + size);
}
