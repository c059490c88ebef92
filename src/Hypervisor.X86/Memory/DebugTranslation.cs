namespace Hypervisor.X86.Cpu;

/// <summary>
/// Linear to physical for a debugger (gdb's m/M, KVM_TRANSLATE's job): the same tables as
/// <see cref="Fill"/>, but without faults, permission checks or accessed/dirty bits, so looking
/// at guest memory never changes it.
/// </summary>
internal sealed partial class Cpu
{
    public bool TryTranslate(ulong la, out ulong physical)
    {
        physical = 0;
        ulong page;
        if (!PagingEnabled)
        {
            page = la >> 12;
        }
        else if ((Cr4 & ControlBits.Cr4PAE) != 0)
        {
            ulong pdpte = ReadPhysical64((Cr3 & 0xFFFFFFE0) + ((la >> 30) << 3));
            if ((pdpte & PtePresent) == 0)
                return false;
            ulong pde = ReadPhysical64((pdpte & 0xFFFFFF000UL) + (((la >> 21) & 0x1FF) << 3));
            if ((pde & PtePresent) == 0)
                return false;
            if ((pde & PtePageSize) != 0)
            {
                page = ((pde & 0xFFFE00000UL) | (la & 0x001FF000)) >> 12;
            }
            else
            {
                ulong pte = ReadPhysical64((pde & 0xFFFFFF000UL) + (((la >> 12) & 0x1FF) << 3));
                if ((pte & PtePresent) == 0)
                    return false;
                page = (pte & 0xFFFFFF000UL) >> 12;
            }
        }
        else
        {
            uint pde = ReadPhysical32((Cr3 & 0xFFFFF000) + ((la >> 22) << 2));
            if ((pde & PtePresent) == 0)
                return false;
            if ((pde & PtePageSize) != 0 && (Cr4 & ControlBits.Cr4PSE) != 0)
            {
                page = (((ulong)((pde >> 13) & 0xF) << 32) | (pde & 0xFFC00000) | (la & 0x003FF000)) >> 12;
            }
            else
            {
                uint pte = ReadPhysical32((pde & 0xFFFFF000) + (((la >> 12) & 0x3FF) << 2));
                if ((pte & PtePresent) == 0)
                    return false;
                page = pte >> 12;
            }
        }
        if (!A20Enabled)
            page &= ~A20PageBit;
        physical = (page << 12) | (la & 0xFFF);
        return true;
    }
}
