using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Scope items of issue 3 checked one by one: LOCK only on read-modify-write memory forms (#UD
/// otherwise), CMPXCHG8B (and #UD for its register form), RDMSR/WRMSR #GP on unknown MSRs, and a
/// CPUID leaf 1 that advertises only what is implemented. Exceptions go through the real-mode IVT
/// to a handler that puts the vector in DX and halts.
/// </summary>
public class InstructionAuditTests
{
    private const ushort UdHandler = 0x9000, GpHandler = 0x9100;

    private static VcpuRegistersView Run(Action<Assembler> code)
    {
        var r = Snippet.Real(a => { a.mov(dx, 0xFFFF); code(a); a.hlt(); }, h =>
        {
            h.Load(UdHandler, h.Assemble(16, UdHandler, a => { a.mov(dx, 6); a.hlt(); }));
            h.Load(GpHandler, h.Assemble(16, GpHandler, a => { a.mov(dx, 13); a.hlt(); }));
            h.Load(6 * 4, BitConverter.GetBytes((uint)UdHandler));
            h.Load(13 * 4, BitConverter.GetBytes((uint)GpHandler));
        });
        return new VcpuRegistersView(r.Rax, r.Rbx, r.Rcx, r.Rdx, r.Rflags);
    }

    public readonly record struct VcpuRegistersView(ulong Rax, ulong Rbx, ulong Rcx, ulong Rdx, ulong Rflags);

    [Theory]
    [InlineData(new byte[] { 0xF0, 0x01, 0xD8 })]        // lock add ax, bx (register destination)
    [InlineData(new byte[] { 0xF0, 0x90 })]              // lock nop
    [InlineData(new byte[] { 0xF0, 0x8B, 0x06, 0, 5 })]  // lock mov ax, [0x500]
    [InlineData(new byte[] { 0xF0, 0x3B, 0x06, 0, 5 })]  // lock cmp ax, [0x500] (no write)
    [InlineData(new byte[] { 0x0F, 0xC7, 0xC8 })]        // cmpxchg8b with a register operand
    public void Lock_on_a_form_that_cannot_take_it_and_register_cmpxchg8b_raise_UD(byte[] bytes)
    {
        var r = Run(a => a.db(bytes));
        Assert.Equal(6UL, r.Rdx & 0xFFFF);
    }

    [Fact]
    public void Lock_on_read_modify_write_memory_forms_executes()
    {
        var r = Run(a =>
        {
            a.mov(__word_ptr[0x500], 5);
            a.mov(ax, 3);
            a.db(0xF0, 0x01, 0x06, 0x00, 0x05);     // lock add [0x500], ax
            a.db(0xF0, 0x0F, 0xC1, 0x06, 0x00, 0x05); // lock xadd [0x500], ax: ax = 8, [0x500] = 11
            a.mov(bx, __word_ptr[0x500]);
        });
        Assert.Equal(0xFFFFUL, r.Rdx & 0xFFFF);
        Assert.Equal(8UL, r.Rax & 0xFFFF);
        Assert.Equal(11UL, r.Rbx & 0xFFFF);
    }

    [Fact]
    public void Cmpxchg8b_stores_ecx_ebx_on_a_match_and_loads_edx_eax_otherwise()
    {
        var hit = Run(a =>
        {
            a.mov(__dword_ptr[0x600], 0x11111111);
            a.mov(__dword_ptr[0x604], 0x22222222);
            a.mov(eax, 0x11111111);
            a.mov(edx, 0x22222222);
            a.mov(ebx, 0x33333333);
            a.mov(ecx, 0x44444444);
            a.cmpxchg8b(__qword_ptr[0x600]);
            a.mov(eax, __dword_ptr[0x600]);
            a.mov(ebx, __dword_ptr[0x604]);
            a.mov(dx, 0xFFFF);
        });
        Assert.NotEqual(0UL, hit.Rflags & Snippet.ZF);
        Assert.Equal(0x33333333UL, hit.Rax);
        Assert.Equal(0x44444444UL, hit.Rbx);

        var miss = Run(a =>
        {
            a.mov(__dword_ptr[0x600], 0x55555555);
            a.mov(__dword_ptr[0x604], 0x66666666);
            a.xor(eax, eax);
            a.xor(edx, edx);
            a.cmpxchg8b(__qword_ptr[0x600]);
            a.mov(ecx, edx);
        });
        Assert.Equal(0UL, miss.Rflags & Snippet.ZF);
        Assert.Equal(0x55555555UL, miss.Rax);
        Assert.Equal(0x66666666UL, miss.Rcx);
    }

    [Theory]
    [InlineData(0x1234u, true)]
    [InlineData(0xC0000090u, true)]     // past the IA-32e MSRs (EFER, STAR..SFMASK): none here
    [InlineData(0xC0000081u, false)]    // STAR (SYSCALL)
    [InlineData(0x10u, false)]          // IA32_TSC
    [InlineData(0x17u, false)]          // IA32_PLATFORM_ID (Linux's microcode driver on this model)
    [InlineData(0x1A0u, false)]         // IA32_MISC_ENABLE
    [InlineData(0x174u, false)]         // IA32_SYSENTER_CS
    [InlineData(0xC0000103u, false)]    // IA32_TSC_AUX
    [InlineData(0xC0000104u, true)]
    public void Rdmsr_raises_GP_for_msrs_it_does_not_implement(uint msr, bool faults)
    {
        var r = Run(a => { a.mov(ecx, msr); a.rdmsr(); a.mov(dx, 0xFFFF); });
        Assert.Equal(faults ? 13UL : 0xFFFFUL, r.Rdx & 0xFFFF);
    }

    [Fact]
    public void Cpuid_leaf_1_advertises_only_implemented_features()
    {
        var r = Run(a => { a.mov(eax, 1); a.cpuid(); a.mov(ebx, AssemblerRegisters.edx); a.mov(dx, 0xFFFF); });
        uint features = (uint)r.Rbx;
        const int FPU = 0, VME = 1, DE = 2, PSE = 3, TSC = 4, MSR = 5, PAE = 6, CX8 = 8, APIC = 9, SEP = 11,
            PGE = 13, CMOV = 15, CLFSH = 19, MMX = 23, FXSR = 24, SSE = 25, SSE2 = 26;
        foreach (int bit in new[] { FPU, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, CLFSH, FXSR, SSE, SSE2 })
            Assert.True((features & (1u << bit)) != 0, $"bit {bit} should be set");
        foreach (int bit in new[] { VME, DE, APIC, MMX })
            Assert.True((features & (1u << bit)) == 0, $"bit {bit} should be clear");
    }

    [Fact]
    public void Edx_after_reset_is_the_cpuid_leaf_1_signature_of_a_family_6_cpu()
    {
        using var h = new CpuHarness();
        uint resetEdx = (uint)h.Regs.Rdx;
        var r = Run(a => { a.mov(eax, 1); a.cpuid(); a.mov(ecx, AssemblerRegisters.eax); a.mov(dx, 0xFFFF); });
        Assert.Equal((uint)r.Rcx, resetEdx);
        Assert.Equal(6u, (resetEdx >> 8) & 0xF);
    }

    [Theory]
    [InlineData(1u, 0UL)]
    [InlineData(2u, 13UL)]
    public void Rdpmc_reads_the_two_p6_counters_and_faults_beyond(uint counter, ulong dx)
    {
        var r = Run(a => { a.mov(eax, 0x1234); a.mov(ecx, counter); a.rdpmc(); });
        Assert.Equal(dx, r.Rdx & 0xFFFF); // EDX:EAX = 0 (no event can be selected), or the #GP handler's 13
        Assert.Equal(dx == 0 ? 0UL : 0x1234UL, r.Rax & 0xFFFF);
    }
}
