using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// IA-32e mode entered the way the Linux 64-bit boot protocol enters it (EntryStates.LongMode:
/// identity page tables, a 64-bit CS), then 64-bit code assembled by Iced. The conformance guest
/// long64 covers the instruction set against QEMU; these pin down single behaviours.
/// </summary>
public class LongModeTests
{
    private const ulong Code = 0x10_0000;

    private static CpuHarness Boot(Action<Assembler> build, ulong rsp = 0x8_0000)
    {
        var h = new CpuHarness((0, 0x40_0000));
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory));
        var r = h.Regs;
        r.Rip = Code;
        r.Rsp = rsp;
        r.Rflags = 2;
        h.Vcpu.SetRegisters(r);
        h.Load(Code, h.Assemble(64, Code, a => { build(a); a.hlt(); }));
        return h;
    }

    [Fact]
    public void A_64_bit_load_into_rsp_keeps_all_64_bits_and_survives_a_cr0_write()
    {
        using var h = Boot(a =>
        {
            var data = a.CreateLabel();
            a.mov(rsp, __qword_ptr[data]);
            a.mov(rax, cr0);
            a.or(eax, 0x10000); // WP
            a.mov(cr0, rax);
            a.mov(rbx, rsp);
            a.hlt();
            a.Label(ref data);
            a.dq(0xFFFF_8000_0009_0000);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0xFFFF_8000_0009_0000UL, h.Regs.Rbx);
    }

    [Fact]
    public void A_32_bit_result_zero_extends_and_a_16_bit_one_keeps_the_upper_bits()
    {
        using var h = Boot(a =>
        {
            a.mov(rax, -1L);
            a.mov(eax, 1);
            a.mov(rbx, -1L);
            a.mov(bx, 2);
            a.mov(rcx, -1L);
            a.add(ecx, 0);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(1UL, h.Regs.Rax);
        Assert.Equal(0xFFFF_FFFF_FFFF_0002UL, h.Regs.Rbx);
        Assert.Equal(0xFFFF_FFFFUL, h.Regs.Rcx);
    }

    [Fact]
    public void A_32_bit_double_shift_by_zero_still_zero_extends()
    {
        // Found by alurand64 against QEMU: SHRD r32 with CL = 0 left bits 63:32 (the single shifts
        // already wrote the register back). The flags stay; the register is a 32-bit write.
        using var h = Boot(a =>
        {
            a.mov(rax, unchecked((long)0xB6C5_B322_9774_2102));
            a.mov(rdx, unchecked((long)0xFFFF_FFFF_0000_0001));
            a.xor(ecx, ecx);
            a.shrd(eax, ebx, cl);
            a.shld(edx, ebx, cl);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x9774_2102UL, h.Regs.Rax);
        Assert.Equal(1UL, h.Regs.Rdx);
    }

    [Fact]
    public void Push_and_call_move_rsp_by_eight()
    {
        using var h = Boot(a =>
        {
            var f = a.CreateLabel();
            a.push(0x1234);
            a.call(f);
            a.pop(rdx);
            a.hlt();
            a.Label(ref f);
            a.mov(rcx, rsp);
            a.ret();
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x8_0000UL - 16, h.Regs.Rcx);
        Assert.Equal(0x1234UL, h.Regs.Rdx);
        Assert.Equal(0x8_0000UL, h.Regs.Rsp);
    }

    [Fact]
    public void Enter_and_leave_keep_a_64_bit_frame_pointer_and_stack()
    {
        // A high (sign-extended) stack: LEAVE once cut RSP to 32 bits (Linux's first C call in 64-bit mode).
        using var h = Boot(a =>
        {
            a.mov(rbp, 0x1111_2222_3333_4444);
            a.enter(0x20, 0);
            a.mov(rcx, rbp);
            a.mov(rdx, rsp);
            a.leave();
        }, rsp: 0x8_0000);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x8_0000UL - 8, h.Regs.Rcx);
        Assert.Equal(0x8_0000UL - 8 - 0x20, h.Regs.Rdx);
        Assert.Equal(0x1111_2222_3333_4444UL, h.Regs.Rbp);
        Assert.Equal(0x8_0000UL, h.Regs.Rsp);
    }

    [Fact]
    public void Rdtsc_cpuid_and_a_false_cmov_write_32_bit_results_that_zero_extend()
    {
        // RDTSC once kept RAX's and RDX's upper halves: Linux read a TSC of ffffffff_xxxxxxxx and
        // declared it unstable. Each of these writes 32-bit registers, so each clears bits 63:32.
        using var h = Boot(a =>
        {
            a.mov(rax, -1L);
            a.mov(rdx, -1L);
            a.rdtsc();
            a.mov(r8, rax);
            a.mov(r9, rdx);
            a.mov(rax, unchecked((long)0xFFFF_FFFF_0000_0000));
            a.mov(rbx, -1L);
            a.mov(rcx, -1L);
            a.mov(rdx, -1L);
            a.cpuid();
            a.mov(r10, rbx);
            a.mov(r11, -1L);
            a.xor(esi, esi);         // ZF = 1: CMOVNZ is false
            a.cmovne(r11d, esi);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(0UL, r.R8 >> 32);
        Assert.Equal(0UL, r.R9 >> 32);
        Assert.True(((r.R9 << 32) | r.R8) < 60_000_000_000UL, $"the TSC counts from power-on: {r.R9:x}:{r.R8:x}");
        Assert.Equal(0UL, r.R10 >> 32);
        Assert.Equal(0UL, r.Rcx >> 32);
        Assert.Equal(0UL, r.Rdx >> 32);
        Assert.Equal(0xFFFF_FFFFUL, r.R11);
    }

    [Fact]
    public void Linear_addresses_4_GiB_apart_do_not_share_a_tlb_entry()
    {
        // The TLB tag once kept only bits 31:12 (a uint mask), so after a read of 0x2000 a read of
        // 0x1_0000_2000 (not mapped: the tables map 4 GiB) hit that entry instead of faulting. In
        // Linux a vmalloc'd stack and another page with the same low 32 bits met this way.
        using var h = Boot(a =>
        {
            a.mov(rax, __qword_ptr[0x2000]);
            a.mov(rbx, 0x1_0000_2000L);
            a.mov(rcx, __qword_ptr[rbx]);
        });
        var exit = h.Run();
        Assert.Equal(VcpuExitReason.Shutdown, exit); // #PF, then a triple fault through the empty IDT
        Assert.Equal(0x1_0000_2000UL, h.Vcpu.GetSpecialRegisters().Cr2);
    }

    [Fact]
    public void Cr8_reads_back_its_four_bits_and_a_reserved_bit_faults()
    {
        using var h = Boot(a =>
        {
            a.mov(rax, 0xBL);
            a.mov(cr8, rax);
            a.mov(rbx, -1L);
            a.mov(rbx, cr8);
            a.mov(rax, 0x10L);
            a.mov(cr8, rax);        // bit 4 is reserved: #GP, a triple fault through the empty IDT
        });
        var exit = h.Run();
        Assert.Equal(VcpuExitReason.Shutdown, exit);
        Assert.Equal(0xBUL, h.Regs.Rbx);
        Assert.Equal(0xBUL, h.Vcpu.GetSpecialRegisters().Cr8);
    }

    [Fact]
    public void Special_registers_keep_64_bit_bases_and_cr2()
    {
        // Setting the special registers once cut the GDT/IDT/segment bases and CR2 to 32 bits.
        using var h = Boot(_ => { });
        var s = h.Vcpu.GetSpecialRegisters();
        s.Gdt.Base = 0xFFFF_FE00_0000_1000;
        s.Idt.Base = 0xFFFF_FE00_0000_0000;
        s.Gs.Base = 0xFFFF_8880_0F00_0000;
        s.Cr2 = 0xFFFF_FFFF_8100_0000;
        s.Cr8 = 7;
        h.Vcpu.SetSpecialRegisters(s);

        var back = h.Vcpu.GetSpecialRegisters();
        Assert.Equal(0xFFFF_FE00_0000_1000UL, back.Gdt.Base);
        Assert.Equal(0xFFFF_FE00_0000_0000UL, back.Idt.Base);
        Assert.Equal(0xFFFF_8880_0F00_0000UL, back.Gs.Base);
        Assert.Equal(0xFFFF_FFFF_8100_0000UL, back.Cr2);
        Assert.Equal(7UL, back.Cr8);
    }

    [Fact]
    public void Rep_movsq_and_stosq_in_bulk_leave_what_one_iteration_at_a_time_leaves()
    {
        // 64-bit REP MOVS/STOS copy whole pages at once (StringBulk.cs); one iteration at a time (fast
        // path off) must give the same memory and registers: a fill across pages, an overlapping forward
        // copy (which replicates), a copy through a GS base, and 32-bit addressing (ECX, not RCX).
        (VcpuRegisters Regs, byte[] Memory) Run(bool fastPath)
        {
            using var h = Boot(a =>
            {
                a.mov(rdi, 0x20_0F00L);
                a.mov(rax, 0x1122_3344_5566_7788L);
                a.mov(ecx, 0x300);
                a.rep.stosq();
                a.mov(rsi, 0x20_0F00L);
                a.mov(rdi, 0x20_0F08L);
                a.mov(__byte_ptr[rsi], 0x99);
                a.mov(ecx, 0x40);
                a.rep.movsq();
                a.mov(ecx, 0xC000_0101);            // IA32_GS_BASE = 0x10_0000
                a.mov(eax, 0x20_0000);
                a.xor(edx, edx);
                a.wrmsr();
                a.mov(rsi, 0xF00L);
                a.mov(rdi, 0x21_1FFCL);
                a.mov(ecx, 0x105);
                a.db(0x65, 0xF3, 0xA5);             // rep movsd with a GS source: gs:[rsi]
                a.mov(rcx, unchecked((long)0xFFFF_FFFF_0000_0003));
                a.mov(rdi, 0x21_3000L);
                a.mov(eax, 0xABCD);
                a.db(0x67, 0xF3, 0x66, 0xAB);       // rep stosw with 32-bit addressing: ECX = 3 counts, EDI
            });
            h.Vcpu.Cpu.FastPathEnabled = fastPath;
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            return (h.Regs, h.Read(0x20_0000, 0x14000));
        }

        var bulk = Run(fastPath: true);
        var single = Run(fastPath: false);
        Assert.Equal(single.Regs, bulk.Regs);
        Assert.Equal(single.Memory, bulk.Memory);
        Assert.Equal(0UL, bulk.Regs.Rcx);
        Assert.Equal(0x21_3006UL, bulk.Regs.Rdi);
    }
}
