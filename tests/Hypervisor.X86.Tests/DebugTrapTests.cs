using Iced.Intel;
using static Hypervisor.X86.Tests.ProtectedModeTests;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// #DB (SDM Vol. 3, chapter 17): TF single-step with DR6.BS, no trap after INT n, the MOV SS
/// deferral, instruction breakpoints (fault, RF steps over them) and data breakpoints (trap, DR6.Bn).
/// The #DB handler counts traps in ECX, keeps DR6 in EBP and the first pushed EIP at 0x61000.
/// </summary>
public class DebugTrapTests
{
    private const uint Idt = 0x2000, Target = 0x40000, DbHandler = 0x30000, IntHandler = 0x31000, FirstEip = 0x61000;

    private static CpuHarness BootWithDebugHandler(Action<Assembler> body, Action<Assembler>? target = null, bool setRf = false)
    {
        var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.xor(ecx, ecx);
            a.mov(__dword_ptr[FirstEip], 0);
            body(a);
            a.hlt();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        h.Load(DbHandler, h.Assemble(32, DbHandler, a =>
        {
            var notFirst = a.CreateLabel();
            a.cmp(__dword_ptr[FirstEip], 0);
            a.jne(notFirst);
            a.mov(eax, __dword_ptr[esp]);
            a.mov(__dword_ptr[FirstEip], eax);
            a.Label(ref notFirst);
            a.inc(ecx);
            a.mov(ebp, dr6);
            if (setRf)
                a.or(__dword_ptr[esp + 8], 1 << 16);
            a.iretd();
        }));
        h.Load(IntHandler, h.Assemble(32, IntHandler, a => { a.add(edx, 1); a.iretd(); }));
        h.Load(Idt + 8 * 1, BitConverter.GetBytes(Gate(KernelCode, DbHandler, 0xE, 0)));
        h.Load(Idt + 8 * 0x30, BitConverter.GetBytes(Gate(KernelCode, IntHandler, 0xE, 0)));
        if (target != null)
            h.Load(Target, h.Assemble(32, Target, target));
        return h;
    }

    private static void SetTf(Assembler a) { a.pushfd(); a.or(__dword_ptr[esp], 0x100); a.popfd(); }

    private static void ClearTf(Assembler a) { a.pushfd(); a.and(__dword_ptr[esp], ~0x100); a.popfd(); }

    [Fact]
    public void Tf_traps_after_each_instruction_including_the_popf_that_clears_it()
    {
        using var h = BootWithDebugHandler(a =>
        {
            SetTf(a);                   // no trap: TF was clear when POPF started
            a.inc(eax); a.inc(eax); a.inc(eax);
            ClearTf(a);                 // PUSHFD, AND, POPFD: three traps
        });
        RunWithMessage(h);
        Assert.Equal(6UL, h.Regs.Rcx);
        Assert.Equal(0x4000UL, h.Regs.Rbp & 0x400F);
    }

    [Fact]
    public void Int_n_with_tf_is_not_trapped_and_its_handler_is_not_stepped()
    {
        using var h = BootWithDebugHandler(a =>
        {
            a.xor(edx, edx);
            SetTf(a);
            a.@int(0x30);               // handler runs with TF clear; IRETD restores TF
            a.nop();                    // trap 1
            ClearTf(a);                 // traps 2-4
        });
        RunWithMessage(h);
        Assert.Equal(1UL, h.Regs.Rdx);
        Assert.Equal(4UL, h.Regs.Rcx);
    }

    [Fact]
    public void Mov_ss_defers_the_single_step_trap_past_the_next_instruction()
    {
        using var h = BootWithDebugHandler(a =>
        {
            a.mov(ax, KernelData);
            SetTf(a);
            a.mov(ss, ax);              // no trap here
            a.jmp(Target);              // the trap comes after this: pushed EIP = Target
        }, t => { ClearTf(t); t.hlt(); });
        RunWithMessage(h);
        Assert.Equal(Target, BitConverter.ToUInt32(h.Read(FirstEip, 4)));
        Assert.Equal(4UL, h.Regs.Rcx);
    }

    [Fact]
    public void Instruction_breakpoint_faults_before_the_instruction_and_rf_steps_over_it()
    {
        using var h = BootWithDebugHandler(a =>
        {
            a.mov(eax, Target);
            a.mov(dr0, eax);
            a.mov(eax, 1);              // L0, R/W0 = 00 (execute)
            a.mov(dr7, eax);
            a.xor(esi, esi);
            a.call(Target);
            a.call(Target);             // a second hit: RF only covers one instruction
        }, t => { t.inc(esi); t.ret(); }, setRf: true);
        RunWithMessage(h);
        Assert.Equal(2UL, h.Regs.Rsi);
        Assert.Equal(2UL, h.Regs.Rcx);
        Assert.Equal(Target, BitConverter.ToUInt32(h.Read(FirstEip, 4)));   // a fault: EIP of the instruction
        Assert.Equal(1UL, h.Regs.Rbp & 0x400F);
    }

    [Fact]
    public void Data_breakpoint_traps_after_a_write_into_its_range_and_not_on_reads()
    {
        using var h = BootWithDebugHandler(a =>
        {
            a.mov(eax, 0x60000);
            a.mov(dr1, eax);
            a.mov(eax, 0x00D00004);     // L1, R/W1 = 01 (write), LEN1 = 11 (4 bytes)
            a.mov(dr7, eax);
            a.mov(ebx, __dword_ptr[0x60000]);   // read: no trap
            a.jmp(Target);
        }, t => { t.mov(__byte_ptr[0x60002], 7); t.nop(); t.hlt(); });
        RunWithMessage(h);
        Assert.Equal(1UL, h.Regs.Rcx);
        Assert.Equal(Target + 7, BitConverter.ToUInt32(h.Read(FirstEip, 4)));  // after the MOV
        Assert.Equal(2UL, h.Regs.Rbp & 0x400F);
    }

    [Fact]
    public void Int1_raises_db_through_the_idt()
    {
        using var h = BootWithDebugHandler(a => a.db(0xF1));
        RunWithMessage(h);
        Assert.Equal(1UL, h.Regs.Rcx);
    }

    [Fact]
    public void Dr4_is_an_alias_of_dr6_without_cr4_de_and_ud_with_it()
    {
        using var h = BootWithDebugHandler(a =>
        {
            a.mov(esi, dr4);            // DR6 with its fixed bits
            a.mov(eax, cr4);
            a.or(eax, 8);               // CR4.DE
            a.mov(cr4, eax);
            a.mov(edi, 0x1111);
            a.mov(edi, dr4);            // #UD: the handler halts with EDI unchanged
        });
        h.Load(0x32000, h.Assemble(32, 0x32000, a => { a.mov(edx, 6); a.hlt(); }));
        h.Load(Idt + 8 * 6, BitConverter.GetBytes(Gate(KernelCode, 0x32000, 0xE, 0)));
        RunWithMessage(h);
        Assert.Equal(0xFFFF0FF0UL, h.Regs.Rsi);
        Assert.Equal(6UL, h.Regs.Rdx);
        Assert.Equal(0x1111UL, h.Regs.Rdi);
    }
}
