using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>Converts between the core's register records and KVM's kvm_regs / kvm_sregs.</summary>
internal static class KvmRegisterMapping
{
    public static VcpuRegisters ToCore(in KvmRegs r) => new()
    {
        Rax = r.Rax, Rbx = r.Rbx, Rcx = r.Rcx, Rdx = r.Rdx,
        Rsi = r.Rsi, Rdi = r.Rdi, Rsp = r.Rsp, Rbp = r.Rbp,
        R8 = r.R8, R9 = r.R9, R10 = r.R10, R11 = r.R11,
        R12 = r.R12, R13 = r.R13, R14 = r.R14, R15 = r.R15,
        Rip = r.Rip, Rflags = r.Rflags,
    };

    public static KvmRegs ToKvm(in VcpuRegisters r) => new()
    {
        Rax = r.Rax, Rbx = r.Rbx, Rcx = r.Rcx, Rdx = r.Rdx,
        Rsi = r.Rsi, Rdi = r.Rdi, Rsp = r.Rsp, Rbp = r.Rbp,
        R8 = r.R8, R9 = r.R9, R10 = r.R10, R11 = r.R11,
        R12 = r.R12, R13 = r.R13, R14 = r.R14, R15 = r.R15,
        Rip = r.Rip, Rflags = r.Rflags,
    };

    public static SegmentRegister ToCore(in KvmSegment s) => new()
    {
        Base = s.Base,
        Limit = s.Limit,
        Selector = s.Selector,
        Type = s.Type,
        Present = s.Present != 0,
        Dpl = s.Dpl,
        Db = s.Db != 0,
        S = s.S != 0,
        L = s.L != 0,
        G = s.G != 0,
        Avl = s.Avl != 0,
        Unusable = s.Unusable != 0,
    };

    public static KvmSegment ToKvm(in SegmentRegister s) => new()
    {
        Base = s.Base,
        Limit = s.Limit,
        Selector = s.Selector,
        Type = s.Type,
        Present = Bit(s.Present),
        Dpl = s.Dpl,
        Db = Bit(s.Db),
        S = Bit(s.S),
        L = Bit(s.L),
        G = Bit(s.G),
        Avl = Bit(s.Avl),
        Unusable = Bit(s.Unusable),
    };

    public static VcpuSpecialRegisters ToCore(in KvmSregs s) => new()
    {
        Cs = ToCore(s.Cs), Ds = ToCore(s.Ds), Es = ToCore(s.Es), Fs = ToCore(s.Fs),
        Gs = ToCore(s.Gs), Ss = ToCore(s.Ss), Tr = ToCore(s.Tr), Ldt = ToCore(s.Ldt),
        Gdt = new DescriptorTableRegister { Base = s.Gdt.Base, Limit = s.Gdt.Limit },
        Idt = new DescriptorTableRegister { Base = s.Idt.Base, Limit = s.Idt.Limit },
        Cr0 = s.Cr0, Cr2 = s.Cr2, Cr3 = s.Cr3, Cr4 = s.Cr4, Cr8 = s.Cr8,
        Efer = s.Efer,
        ApicBase = s.ApicBase,
    };

    /// <summary>
    /// Writes the core's fields over <paramref name="s"/>, keeping what the core does not model
    /// (the pending-interrupt bitmap, and the APIC base when the core leaves it 0).
    /// </summary>
    public static void CopyToKvm(in VcpuSpecialRegisters c, ref KvmSregs s)
    {
        s.Cs = ToKvm(c.Cs); s.Ds = ToKvm(c.Ds); s.Es = ToKvm(c.Es); s.Fs = ToKvm(c.Fs);
        s.Gs = ToKvm(c.Gs); s.Ss = ToKvm(c.Ss); s.Tr = ToKvm(c.Tr); s.Ldt = ToKvm(c.Ldt);
        s.Gdt = new KvmDtable { Base = c.Gdt.Base, Limit = c.Gdt.Limit };
        s.Idt = new KvmDtable { Base = c.Idt.Base, Limit = c.Idt.Limit };
        s.Cr0 = c.Cr0; s.Cr2 = c.Cr2; s.Cr3 = c.Cr3; s.Cr4 = c.Cr4; s.Cr8 = c.Cr8;
        s.Efer = c.Efer;
        // 0 means "not modelled" (a record built from scratch): keep KVM's local APIC base rather than disable the APIC.
        if (c.ApicBase != 0)
            s.ApicBase = c.ApicBase;
    }

    private static byte Bit(bool value) => value ? (byte)1 : (byte)0;
}
