namespace Hypervisor.X86.Cpu;

/// <summary>
/// IA-32e mode (SDM Vol. 3, 10.8.5 and 2.2.1): EFER.LME arms it, enabling paging with CR4.PAE then
/// activates it (EFER.LMA), and a code segment with L = 1 runs 64-bit code; L = 0 is compatibility
/// mode. Also the MSRs that only exist for it: the FS/GS bases, KernelGSbase for SWAPGS, and the
/// SYSCALL targets (STAR, LSTAR, CSTAR, SFMASK).
/// </summary>
internal sealed partial class Cpu
{
    public const ulong EferSce = 1UL << 0;
    public const ulong EferLme = 1UL << 8;
    public const ulong EferLma = 1UL << 10;
    /// <summary>The EFER bits software may write (LMA is set by the CPU).</summary>
    private const ulong EferWritable = EferSce | EferLme | EferNxe;

    private const uint MsrStar = 0xC0000081;
    private const uint MsrLstar = 0xC0000082;
    private const uint MsrCstar = 0xC0000083;
    private const uint MsrSfmask = 0xC0000084;
    private const uint MsrFsBase = 0xC0000100;
    private const uint MsrGsBase = 0xC0000101;
    private const uint MsrKernelGsBase = 0xC0000102;

    /// <summary>SYSCALL/SYSRET selectors (STAR[47:32] kernel CS, [63:48] user base) and the legacy-mode EIP (STAR[31:0]).</summary>
    public ulong Star;
    /// <summary>SYSCALL's RIP from 64-bit code.</summary>
    public ulong Lstar;
    /// <summary>SYSCALL's RIP from compatibility mode.</summary>
    public ulong Cstar;
    /// <summary>The RFLAGS bits SYSCALL clears.</summary>
    public ulong Sfmask;
    /// <summary>The GS base SWAPGS exchanges with the live one.</summary>
    public ulong KernelGsBase;

    /// <summary>IA-32e mode is active (EFER.LMA): 4-level paging, 64-bit IDT and TSS.</summary>
    public bool LongModeActive => (Efer & EferLma) != 0;

    /// <summary>WRMSR EFER: reserved bits and changing LME while paging is on raise #GP (SDM 10.8.5).</summary>
    private void WriteEfer(ulong value)
    {
        if ((value & ~(EferWritable | EferLma)) != 0)
            throw GP();
        if (PagingEnabled && ((value ^ Efer) & EferLme) != 0)
            throw GP();
        Efer = (value & EferWritable) | (Efer & EferLma);
        FlushTlb();
    }

    /// <summary>
    /// CR0.PG changes: with EFER.LME, turning paging on activates IA-32e mode (and needs CR4.PAE),
    /// turning it off leaves it. Called before CR0 takes the new value.
    /// </summary>
    private void ActivateLongMode(uint newCr0)
    {
        bool pagingOn = (newCr0 & ControlBits.Cr0PG) != 0;
        if (pagingOn == PagingEnabled)
            return;
        if (pagingOn && (Efer & EferLme) != 0)
        {
            if ((Cr4 & ControlBits.Cr4PAE) == 0)
                throw GP();
            Efer |= EferLma;
        }
        else if (!pagingOn)
        {
            if (Code64)
                throw GP(); // paging can only be turned off from compatibility mode
            Efer &= ~EferLma;
        }
    }

    private bool TryReadLongModeMsr(uint msr, out ulong value)
    {
        value = msr switch
        {
            MsrStar => Star,
            MsrLstar => Lstar,
            MsrCstar => Cstar,
            MsrSfmask => Sfmask,
            MsrFsBase => Segs[Seg.FS].Base,
            MsrGsBase => Segs[Seg.GS].Base,
            MsrKernelGsBase => KernelGsBase,
            _ => 0,
        };
        return msr is MsrStar or MsrLstar or MsrCstar or MsrSfmask or MsrFsBase or MsrGsBase or MsrKernelGsBase;
    }

    /// <summary>The address MSRs take canonical addresses only (#GP otherwise).</summary>
    private bool TryWriteLongModeMsr(uint msr, ulong value)
    {
        if (msr is MsrLstar or MsrCstar or MsrFsBase or MsrGsBase or MsrKernelGsBase && !IsCanonical(value))
            throw GP();
        switch (msr)
        {
            case MsrStar: Star = value; return true;
            case MsrLstar: Lstar = value; return true;
            case MsrCstar: Cstar = value; return true;
            case MsrSfmask: Sfmask = (uint)value; return true;
            case MsrFsBase: Segs[Seg.FS].Base = value; return true;
            case MsrGsBase: Segs[Seg.GS].Base = value; return true;
            case MsrKernelGsBase: KernelGsBase = value; return true;
            default: return false;
        }
    }

    /// <summary>SWAPGS: exchanges the GS base with KernelGSbase; 64-bit mode and CPL 0 only.</summary>
    private void Swapgs()
    {
        if (!Code64)
            throw UD();
        RequireCpl0();
        (Segs[Seg.GS].Base, KernelGsBase) = (KernelGsBase, Segs[Seg.GS].Base);
    }

    /// <summary>A 64-bit-mode memory access: FS/GS add their base, the others are flat; the address must be canonical.</summary>
    private ulong Linear64(int seg, ulong offset, int size)
    {
        ulong la = seg >= Seg.FS ? Segs[seg].Base + offset : offset;
        if (!IsCanonical(la) || !IsCanonical(la + (ulong)size - 1))
            throw seg == Seg.SS ? Fault(Vector.SS, 0) : GP();
        return la;
    }
}
