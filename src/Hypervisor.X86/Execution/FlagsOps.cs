namespace Hypervisor.X86.Cpu;

/// <summary>Flag instructions with privilege rules: CLI, STI (one-instruction interrupt shadow), LAHF, SAHF.</summary>
internal sealed partial class Cpu
{
    /// <summary>CLI/STI are allowed when CPL &lt;= IOPL (in V86 mode: IOPL = 3), else #GP(0).</summary>
    private void CheckInterruptFlagPrivilege()
    {
        if (V86Mode ? Iopl < 3 : ProtectedMode && Cpl > Iopl)
            throw GP();
    }

    private void Cli()
    {
        CheckInterruptFlagPrivilege();
        Flags &= ~Eflags.IF;
    }

    private void Sti()
    {
        CheckInterruptFlagPrivilege();
        if ((Flags & Eflags.IF) == 0)
            _interruptShadow = true; // interrupts are recognised after the next instruction
        Flags |= Eflags.IF;
    }

    private void Lahf() => AH = (Flags & (Eflags.SF | Eflags.ZF | Eflags.AF | Eflags.PF | Eflags.CF)) | Eflags.Reserved1;

    private void Sahf()
    {
        const uint mask = Eflags.SF | Eflags.ZF | Eflags.AF | Eflags.PF | Eflags.CF;
        Flags = (Flags & ~mask) | (AH & mask);
    }

    /// <summary>Hook for flag changes through POPF/IRET: VM and the privilege-derived state.</summary>
    private void FlagsChanged(uint old)
    {
        if (((old ^ Flags) & Eflags.VM) != 0)
            StateChanged();
    }
}
