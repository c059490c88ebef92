using Hypervisor.X86.Memory;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// 4-level paging (SDM Vol. 3, 4.5), the paging of IA-32e mode: PML4, PDPT (1 GiB pages), page
/// directory (2 MiB pages) and page table, 9 bits of the linear address each. Permissions combine
/// over the levels (U/S and R/W must allow at every level, XD at any level forbids fetches).
/// </summary>
internal sealed unsafe partial class Cpu
{
    /// <summary>Physical address bits 51:12 of a paging-structure entry.</summary>
    private const ulong PteAddressMask = 0x000F_FFFF_FFFF_F000UL;

    private ulong Walk4Level(ulong la, bool write, bool user, out bool writable, out bool global, out bool noExecute)
    {
        bool nxe = (Efer & EferNxe) != 0;
        ulong table = Cr3 & PteAddressMask;
        ulong combined = ~0UL; // U/S and R/W of every level ANDed
        bool xd = false;
        for (int shift = 39; ; shift -= 9)
        {
            ulong address = table + (((la >> shift) & 0x1FF) << 3);
            ulong entry = ReadPhysical64(address);
            if ((entry & PtePresent) == 0)
                throw PageFault(la, 0, write, user);
            if ((entry & PteNoExecute) != 0 && !nxe)
                throw PageFault(la, PfPresent | PfReserved, write, user);
            combined &= entry;
            xd |= (entry & PteNoExecute) != 0;
            bool leaf = shift == 12 || (shift is 30 or 21 && (entry & PtePageSize) != 0);
            if (!leaf)
            {
                SetAccessedDirty(address, (uint)entry, false);
                table = entry & PteAddressMask;
                continue;
            }
            CheckAccess(la, (uint)combined, write, user, out writable);
            SetAccessedDirty(address, (uint)entry, write);
            global = (entry & PteGlobal) != 0 && (Cr4 & ControlBits.Cr4PGE) != 0;
            noExecute = xd;
            // A large page's frame keeps the linear address's low bits below its size.
            ulong pageMask = (1UL << shift) - 1;
            ulong frame = shift == 12 ? entry & PteAddressMask : entry & PteAddressMask & ~pageMask;
            return (frame | (la & pageMask & ~(ulong)PhysicalMemory.PageMask)) >> 12;
        }
    }
}
