namespace Hypervisor.Core.Accel;

/// <summary>The general registers, as in <c>struct kvm_regs</c>.</summary>
public struct VcpuRegisters
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}

/// <summary>A segment register with its hidden descriptor cache, as in <c>struct kvm_segment</c>.</summary>
public struct SegmentRegister
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public bool Present;
    public byte Dpl;
    /// <summary>D/B: default operation size (32-bit when set).</summary>
    public bool Db;
    /// <summary>S: code/data (set) versus system segment.</summary>
    public bool S;
    /// <summary>L: 64-bit code segment.</summary>
    public bool L;
    /// <summary>G: limit in 4 KiB units.</summary>
    public bool G;
    public bool Avl;
    public bool Unusable;

    /// <summary>A real-mode segment: base = selector × 16, 64 KiB limit, present read/write (code: execute/read, accessed).</summary>
    public static SegmentRegister RealMode(ushort selector, bool code) => new()
    {
        Base = (ulong)selector << 4,
        Limit = 0xffff,
        Selector = selector,
        Type = code ? (byte)0xb : (byte)0x3,
        Present = true,
        S = true,
    };
}

/// <summary>GDTR or IDTR, as in <c>struct kvm_dtable</c>.</summary>
public struct DescriptorTableRegister
{
    public ulong Base;
    public ushort Limit;
}

/// <summary>The system registers, as in <c>struct kvm_sregs</c>.</summary>
public struct VcpuSpecialRegisters
{
    public SegmentRegister Cs, Ds, Es, Fs, Gs, Ss, Tr, Ldt;
    public DescriptorTableRegister Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8;
    public ulong Efer;
    public ulong ApicBase;
}
