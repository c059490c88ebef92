using Hypervisor.Core.Accel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Exceptions in IA-32e mode where QEMU 7.2 TCG departs from the SDM, so the sys64 conformance guest
/// leaves them out: the IDT error code, #SS for a non-canonical stack reference, SYSCALL in
/// compatibility mode; and IST stacks from ring 3.
/// </summary>
public class LongModeExceptionTests
{
    [Fact]
    public void An_int_n_past_the_idt_limit_is_gp_with_the_vector_times_8_plus_2()
    {
        using var h = Boot(a => a.@int(0x21)); // the IDT holds 32 gates
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(13UL, h.Regs.R15);
        Assert.Equal(0x21UL * 8 + 2, h.Regs.R14);
    }

    [Fact]
    public void A_non_canonical_address_through_rbp_is_ss0_and_through_rbx_gp0()
    {
        using (var h = Boot(a => { a.mov(rbp, 0x0000_8000_0000_0000); a.mov(rax, __qword_ptr[rbp]); }))
        {
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(12UL, h.Regs.R15);
            Assert.Equal(0UL, h.Regs.R14);
        }
        using (var h = Boot(a => { a.mov(rbx, 0x0000_8000_0000_0000); a.mov(rax, __qword_ptr[rbx]); }))
        {
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(13UL, h.Regs.R15);
        }
    }

    [Fact]
    public void Syscall_in_compatibility_mode_is_ud_as_on_intel()
    {
        using var h = Boot(a =>
        {
            Wrmsr(a, 0xC000_0080, 0x501); // EFER: LME, LMA, SCE
            EnterUser(a, compat: true);
        }, user32: a => a.syscall());
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(6UL, h.Regs.R15);
        Assert.Equal(User32, h.Regs.R14); // #UD has no error code: the RIP of SYSCALL
    }

    [Fact]
    public void An_ist_gate_takes_its_stack_from_the_tss_even_from_ring_3()
    {
        using var h = Boot(a => EnterUser(a), user64: a => a.ud2());
        UseIst(h, 6, 1);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(6UL, h.Regs.R15);
        Assert.Equal(Ist1 - 40, h.Regs.R13); // SS, RSP, RFLAGS, CS, RIP below the 16-byte aligned IST1
        Assert.Equal((ulong)UserCode64, h.Regs.R12);
    }
}
