using Hypervisor.X86.Memory;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Linear to physical translation (SDM Vol. 3, chapter 4): 32-bit paging with 4 KiB and (CR4.PSE)
/// 4 MiB pages, PAE paging with 4 KiB and 2 MiB pages, U/S and R/W checks with CR0.WP, accessed and
/// dirty bits, global pages, and #PF with CR2 and the error code.
/// </summary>
internal sealed unsafe partial class Cpu
{
    private const uint PtePresent = 1u << 0;
    private const uint PteWritable = 1u << 1;
    private const uint PteUser = 1u << 2;
    private const uint PteAccessed = 1u << 5;
    private const uint PteDirty = 1u << 6;
    private const uint PtePageSize = 1u << 7;
    private const uint PteGlobal = 1u << 8;

    private const uint PfPresent = 1u << 0;
    private const uint PfWrite = 1u << 1;
    private const uint PfUser = 1u << 2;
    private const uint PfReserved = 1u << 3;
    private const uint PfInstruction = 1u << 4;
    private const ulong PteNoExecute = 1UL << 63;
    public const ulong EferNxe = 1UL << 11;

    /// <summary>The walk in progress is for an instruction fetch (sets the I/D bit of a #PF error code).</summary>
    private bool _walkIsFetch;

    private const ulong A20PageBit = 1UL << (20 - PhysicalMemory.PageShift);

    /// <summary>Translates <paramref name="la"/> and fills TLB entry <paramref name="e"/>; raises #PF.</summary>
    private void Fill(ref TlbEntry e, ulong la, bool write, bool user)
    {
        ulong page;
        bool writable = true, global = false, noExecute = false;
        if (!PagingEnabled)
            page = la >> 12;
        else if (LongModeActive)
            page = Walk4Level(la, write, user, out writable, out global, out noExecute);
        else if ((Cr4 & ControlBits.Cr4PAE) != 0)
            page = WalkPae((uint)la, write, user, out writable, out global, out noExecute);
        else
            page = Walk32((uint)la, write, user, out writable, out global);
        if (!A20Enabled)
            page &= ~A20PageBit;

        byte* host = Phys.PageHost(page);
        if (TlbCheck)
            NoteTlbFill(la);
        e.Tag = TlbTag(la);
        e.PhysicalPage = page;
        e.Read = host;
        e.Global = global;
        e.NoExecute = noExecute;
        // Writable means: permission checked and (for paging) the dirty bit set by this walk.
        e.Writable = writable && (write || !PagingEnabled);
        byte* writeHost = Phys.PageWriteHost(page);
        e.Write = e.Writable && writeHost != null && !Phys.HasCode(page) ? writeHost : null;
    }

    private bool SupervisorWriteProtect => (Cr0 & ControlBits.Cr0WP) != 0;

    private ulong Walk32(uint la, bool write, bool user, out bool writable, out bool global)
    {
        ulong pdeAddress = (Cr3 & 0xFFFFF000) + ((la >> 22) << 2);
        uint pde = ReadPhysical32(pdeAddress);
        if ((pde & PtePresent) == 0)
            throw PageFault(la, 0, write, user);
        if ((pde & PtePageSize) != 0 && (Cr4 & ControlBits.Cr4PSE) != 0)
        {
            CheckAccess(la, pde, write, user, out writable);
            SetAccessedDirty(pdeAddress, pde, write);
            global = (pde & PteGlobal) != 0 && (Cr4 & ControlBits.Cr4PGE) != 0;
            // PSE-36: PDE bits 13..16 are physical address bits 32..35.
            ulong high = (ulong)((pde >> 13) & 0xF) << 32;
            return (high | (pde & 0xFFC00000) | (la & 0x003FF000)) >> 12;
        }
        ulong pteAddress = (pde & 0xFFFFF000) + (((la >> 12) & 0x3FF) << 2);
        uint pte = ReadPhysical32(pteAddress);
        if ((pte & PtePresent) == 0)
            throw PageFault(la, 0, write, user);
        CheckAccess(la, pde & pte, write, user, out writable);
        SetAccessedDirty(pdeAddress, pde, false);
        SetAccessedDirty(pteAddress, pte, write);
        global = (pte & PteGlobal) != 0 && (Cr4 & ControlBits.Cr4PGE) != 0;
        return pte >> 12;
    }

    private ulong WalkPae(uint la, bool write, bool user, out bool writable, out bool global, out bool noExecute)
    {
        bool nxe = (Efer & EferNxe) != 0;
        ulong pdpteAddress = (Cr3 & 0xFFFFFFE0) + ((la >> 30) << 3);
        ulong pdpte = ReadPhysical64(pdpteAddress);
        if ((pdpte & PtePresent) == 0)
            throw PageFault(la, 0, write, user);
        ulong pdeAddress = (pdpte & 0xFFFFFF000UL) + (((la >> 21) & 0x1FF) << 3);
        ulong pde = ReadPhysical64(pdeAddress);
        if ((pde & PtePresent) == 0)
            throw PageFault(la, 0, write, user);
        if ((pde & PteNoExecute) != 0 && !nxe)
            throw PageFault(la, PfPresent | PfReserved, write, user);
        if ((pde & PtePageSize) != 0)
        {
            noExecute = (pde & PteNoExecute) != 0;
            CheckAccess(la, (uint)pde, write, user, out writable);
            SetAccessedDirty(pdeAddress, (uint)pde, write);
            global = (pde & PteGlobal) != 0 && (Cr4 & ControlBits.Cr4PGE) != 0;
            return ((pde & 0xFFFE00000UL) | (la & 0x001FF000)) >> 12;
        }
        ulong pteAddress = (pde & 0xFFFFFF000UL) + (((la >> 12) & 0x1FF) << 3);
        ulong pte = ReadPhysical64(pteAddress);
        if ((pte & PtePresent) == 0)
            throw PageFault(la, 0, write, user);
        if ((pte & PteNoExecute) != 0 && !nxe)
            throw PageFault(la, PfPresent | PfReserved, write, user);
        noExecute = ((pde | pte) & PteNoExecute) != 0;
        CheckAccess(la, (uint)(pde & pte), write, user, out writable);
        SetAccessedDirty(pdeAddress, (uint)pde, false);
        SetAccessedDirty(pteAddress, (uint)pte, write);
        global = (pte & PteGlobal) != 0 && (Cr4 & ControlBits.Cr4PGE) != 0;
        return (pte & 0xFFFFFF000UL) >> 12;
    }

    /// <summary>U/S and R/W over the combined entries (SDM 4.6); <paramref name="writable"/> says if writes at this privilege pass.</summary>
    private void CheckAccess(ulong la, uint combined, bool write, bool user, out bool writable)
    {
        if (user && (combined & PteUser) == 0)
            throw PageFault(la, PfPresent, write, user);
        writable = (combined & PteWritable) != 0 || (!user && !SupervisorWriteProtect);
        if (write && !writable)
            throw PageFault(la, PfPresent, write, user);
    }

    private void SetAccessedDirty(ulong address, uint entry, bool write)
    {
        uint updated = entry | PteAccessed | (write ? PteDirty : 0);
        if (updated != entry)
            WritePhysical32(address, updated);
    }

    private GuestFault PageFault(ulong la, uint code, bool write, bool user)
    {
        Cr2 = la;
        code |= (write ? PfWrite : 0) | (user ? PfUser : 0);
        if (_walkIsFetch && (Efer & EferNxe) != 0 && (Cr4 & ControlBits.Cr4PAE) != 0)
            code |= PfInstruction;
        return Fault(Vector.PF, code);
    }

    /// <summary>Page-table reads: RAM only (a table outside RAM reads as not present).</summary>
    private uint ReadPhysical32(ulong address)
    {
        byte* p = Phys.Host(address);
        return p == null ? 0 : *(uint*)p;
    }

    private ulong ReadPhysical64(ulong address)
    {
        byte* p = Phys.Host(address);
        return p == null ? 0 : *(ulong*)p;
    }

    private void WritePhysical32(ulong address, uint value)
    {
        byte* p = Phys.WriteHost(address);
        if (p == null)
            return;
        if (Phys.HasCode(address >> 12))
            InvalidateCode(address, 4);
        *(uint*)p = value;
    }
}
