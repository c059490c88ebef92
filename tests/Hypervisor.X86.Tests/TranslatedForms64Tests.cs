using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The translator on 64-bit code: each form in a small loop, translated from the first pass and
/// interpreted (all sixteen registers, RIP, RFLAGS, retired count and memory must match); the
/// zero-extension of 32-bit results checked against the SDM's values; faults and MMIO exits inside
/// a translated block with the exact state of the faulting instruction.
/// </summary>
public class TranslatedForms64Tests
{
    private const ulong Code = 0x10000, Data = 0x30000, Stack = 0x80000;

    public static TheoryData<int> Forms()
    {
        var t = new TheoryData<int>();
        for (int i = 0; i < FormCount; i++)
            t.Add(i);
        return t;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_64_bit_form_runs_translated_as_it_runs_interpreted(int form)
    {
        using var translated = RunForm(form, Cpu.TranslationMode.Always);
        using var interpreted = RunForm(form, Cpu.TranslationMode.Off);
        Assert.Equal(VcpuExitReason.Intr, translated.Vcpu.Exit.Reason);
        Assert.True(Lockstep.SameRegisters(translated.Regs, interpreted.Regs),
            $"form {form}:\n{Lockstep.Show(translated.Regs)}\nvs interpreted\n{Lockstep.Show(interpreted.Regs)}");
        Assert.Equal(interpreted.Vcpu.InstructionsRetired, translated.Vcpu.InstructionsRetired);
        Assert.True(translated.Read(Data, 0x200).AsSpan().SequenceEqual(interpreted.Read(Data, 0x200)));
        Assert.True(translated.Read(Stack - 0x100, 0x100).AsSpan().SequenceEqual(interpreted.Read(Stack - 0x100, 0x100)));
        Assert.True(translated.Vcpu.Cpu.BlockEntries > 0, "the loop never ran translated");
    }

    [Fact]
    public void A_32_bit_result_in_translated_64_bit_code_clears_bits_63_to_32()
    {
        using var h = Boot(a =>
        {
            foreach (var r in new[] { rax, rbx, rcx, rdx, r9, r10, r11, r12 })
                a.mov(r, -1L);
            a.mov(eax, 5);                   // MOV r32, imm32
            a.add(ebx, 1);                   // ADD r32: 0xFFFFFFFF + 1 = 0
            a.xor(ecx, ecx);
            a.test(edx, edx);
            a.cmovz(edx, eax);               // false: nothing moves, yet RDX's high half is cleared
            a.lea(r9d, __[rax + 1]);         // LEA r32 with a 64-bit address
            a.mov(r10d, __dword_ptr[Data]);  // a load
            a.mov(r11b, 0);                  // a byte write keeps bits 63:8
            a.mov(r12w, 7);                  // a word write keeps bits 63:16
            a.mov(r13, -1L);
            a.shr(r13d, cl);                 // CL = 0: nothing shifts, but the register is written
            a.hlt();
        });
        h.Load(Data, BitConverter.GetBytes(0x8765_4321u));
        h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Always;
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.True(h.Vcpu.Cpu.BlockEntries > 0, "the code never ran translated");
        Assert.Equal((5UL, 0UL, 0UL, 0xFFFF_FFFFUL, 6UL, 0x8765_4321UL, 0xFFFF_FFFF_FFFF_FF00UL, 0xFFFF_FFFF_FFFF_0007UL, 0xFFFF_FFFFUL),
            (r.Rax, r.Rbx, r.Rcx, r.Rdx, r.R9, r.R10, r.R11, r.R12, r.R13));
    }

    /// <summary>A load walks up past the end of RAM (an MMIO exit) inside a translated loop: the exit, registers and count are the interpreter's.</summary>
    [Fact]
    public void An_mmio_exit_inside_a_translated_64_bit_loop_has_the_interpreters_state()
    {
        static void Program(Assembler a)
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0x3F_F000);
            a.Label(ref top);
            a.add(rbx, 0x100);
            a.mov(rax, __qword_ptr[rbx]);
            a.inc(rcx);
            a.jmp(top);
        }
        using var translated = Boot(Program);
        using var interpreted = Boot(Program);
        translated.Vcpu.Cpu.Translation = Cpu.TranslationMode.Always;
        Lockstep.Run(translated, interpreted, 1, "mmio", slice: 1000, maxRetired: 20000);
        Assert.True(translated.Vcpu.Cpu.BlockEntries > 0);
    }

    /// <summary>RET to a non-canonical address in a translated block: #GP with RIP at the RET and RSP not yet popped (the interpreter's state).</summary>
    [Fact]
    public void A_fault_inside_a_translated_64_bit_block_has_the_interpreters_state()
    {
        static void Program(Assembler a)
        {
            a.mov(rax, 0x8000_0000_0000_0000UL);
            a.push(rax);
            a.inc(rcx);
            a.ret();
        }
        using var translated = Boot(Program);
        using var interpreted = Boot(Program);
        translated.Vcpu.Cpu.Translation = Cpu.TranslationMode.Always;
        Lockstep.Run(translated, interpreted, 2, "#GP", slice: 1000, maxRetired: 20000);
        Assert.True(translated.Vcpu.Cpu.BlockEntries > 0);
    }

    private static CpuHarness Boot(Action<Assembler> build)
    {
        var h = new CpuHarness((0, 0x40_0000));
        h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Off;
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory));
        h.Load(Code, h.Assemble(64, Code, build));
        var r = h.Regs;
        r.Rip = Code;
        r.Rsp = Stack;
        r.Rflags = 2;
        h.Vcpu.SetRegisters(r);
        h.Vcpu.InstructionLimit = 100_000;
        return h;
    }

    private static CpuHarness RunForm(int form, Cpu.TranslationMode mode)
    {
        var h = Boot(a =>
        {
            var top = a.CreateLabel();
            var sub = a.CreateLabel();
            var constant = a.CreateLabel();
            a.Label(ref top);
            Emit(a, form, top, sub, constant);
            a.inc(ecx);
            a.add(rsi, 0x1234567);
            a.jmp(top);
            a.Label(ref sub);
            a.add(rdx, 1);
            a.ret();
            a.Label(ref constant);
            a.dq(0x0123_4567_89AB_CDEFUL);
        });
        var fill = new byte[0x200];
        new Random(form).NextBytes(fill);
        h.Load(Data, fill);
        var r = h.Regs;
        r.Rax = 0x8000_0000_0000_0001; r.Rbx = Data; r.Rdx = 0x7FFF_FFFF_FFFF_FFFF; r.Rdi = 0xFF00FF;
        r.Rsi = 0xFFFF_FFFF_0000_0003; r.R8 = 0x1_0000_0000; r.R9 = 0xFFFF_FFFF_FFFF_FFFF;
        r.R10 = 0x7FFF_FFFF; r.R11 = 0xDEAD_BEEF_0000_0080; r.R12 = 0x8000_0000;
        h.Vcpu.SetRegisters(r);
        // One interpreted pass first, one instruction at a time, to the loop's top: the decode cache then
        // holds the whole loop, so the block is entered at the top with every instruction in it and a
        // Jcc after its CMP is compiled from the known operation (a block's entry resets what is known).
        h.Vcpu.InstructionLimit = 0;
        for (int step = 0; step < 3000; step++)
        {
            h.Vcpu.InstructionLimit++;
            h.Run();
            if (h.Vcpu.InstructionsRetired >= 40 && h.Regs.Rip == Code)
                break;
        }
        h.Vcpu.Cpu.Translation = mode;
        h.Vcpu.InstructionLimit = 1999;
        h.Run();
        return h;
    }

    private const int FormCount = 65;

    private static void Emit(Assembler a, int form, Label top, Label sub, Label constant)
    {
        switch (form)
        {
            case 0: a.mov(rax, rsi); break;
            case 1: a.mov(rdx, -5); break;
            case 2: a.mov(rax, __qword_ptr[rbx + 8]); break;
            case 3: a.mov(__qword_ptr[rbx + 8], rsi); break;
            case 4: a.mov(__qword_ptr[rbx + 16], -7); break;
            case 5: a.add(rax, rsi); a.jc(top); break;
            case 6: a.add(rax, 3); a.jo(top); break;
            case 7: a.add(rax, __qword_ptr[rbx]); a.jg(top); break;
            case 8: a.sub(rdx, rsi); a.jl(top); break;
            case 9: a.cmp(rax, rsi); a.jb(top); break;
            case 10: a.cmp(rax, __qword_ptr[rbx]); a.jg(top); break;
            case 11: a.cmp(__qword_ptr[rbx + 8], rsi); a.jae(top); break;
            case 12: a.cmp(__qword_ptr[rbx], 5); a.jle(top); break;
            case 13: a.and(rax, rsi); a.js(top); break;
            case 14: a.or(rdx, -16); a.jne(top); break;
            case 15: a.xor(rax, __qword_ptr[rbx + 8]); a.jp(top); break;
            case 16: a.test(rax, rsi); a.je(top); break;
            case 17: a.test(__qword_ptr[rbx], 0x100); a.jne(top); break;
            case 18: a.inc(rax); a.jo(top); break;
            case 19: a.dec(rdx); a.jbe(top); break;
            case 20: a.neg(rax); a.jc(top); break;
            case 21: a.not(rdx); break;
            case 22: a.lea(rax, __[rbx + rcx * 8 + 16]); break;
            case 23: a.push(rsi); a.pop(rdi); break;
            case 24: a.push(-3); a.pop(r8); break;
            case 25: a.movsxd(rax, esi); break;
            case 26: a.movsxd(rdx, __dword_ptr[rbx + 4]); break;
            case 27: a.movzx(rax, cl); break;
            case 28: a.movzx(rax, __byte_ptr[rbx + 3]); break;
            case 29: a.movsx(rax, __byte_ptr[rbx + 3]); break;
            case 30: a.cmp(rax, rsi); a.cmovl(rdx, rsi); break;
            case 31: a.test(rax, rax); a.cmovne(rdx, __qword_ptr[rbx]); break;
            case 32: a.mov(r9, 0x1234_5678_9ABC_DEF0L); break;
            case 33: a.mov(eax, esi); break;
            case 34: a.add(r10d, esi); a.jc(top); break;
            case 35: a.mov(r11b, cl); a.mov(ah, dl); break;
            case 36: a.mov(__word_ptr[rbx + 2], si); a.mov(ax, __word_ptr[rbx + 6]); break;
            case 37: a.call(sub); break;
            case 38: a.shl(rax, 3); a.jc(top); break;
            case 39: a.imul(rax, rsi); a.jo(top); break;
            case 40: a.mov(rax, __qword_ptr[constant]); a.add(rax, rcx); break;
            case 41: a.cmp(al, __byte_ptr[rbx + 1]); a.jg(top); break;
            case 42: a.test(__byte_ptr[rbx + 1], 0x40); a.jne(top); break;
            case 43: a.nop(__dword_ptr[rax]); break;
            case 44: a.adc(rax, rsi); break;
            case 45: a.add(__qword_ptr[rbx], rsi); a.jc(top); break;
            case 46: a.cmp(esi, eax); a.cmovb(eax, edx); break;
            case 47: a.cmp(r12, rsi); a.setg(r12b); break;
            case 48: a.sub(r12, rdx); a.jno(top); a.sub(r12d, 1); a.ja(top); break;
            case 49: a.add(r8, r9); a.jnp(top); a.adc(r10d, 0); break;
            // Conditions where signed and unsigned, carry and overflow disagree.
            case 50: a.cmp(rdx, rsi); a.jb(top); a.cmp(rdx, rsi); a.jl(top); break;
            case 51: a.cmp(rax, rdx); a.ja(top); a.cmp(rax, rdx); a.jge(top); break;
            case 52: a.add(rdx, rsi); a.jo(top); a.add(rdx, rsi); a.jbe(top); a.add(rdx, rax); a.jle(top); break;
            case 53: a.test(rsi, rsi); a.jle(top); a.test(rdx, rdx); a.jbe(top); break;
            case 54: a.sub(rax, rdx); a.jge(top); a.sub(rax, rdx); a.jo(top); break;
            case 55: a.add(r9, 1); a.jbe(top); a.add(r9, rdx); a.jg(top); break;
            case 56: a.shr(rsi, 7); a.jc(top); a.sar(rax, 63); a.js(top); break;
            case 57: a.shl(r11, 1); a.jo(top); a.shl(r11, 0); a.jc(top); break;
            case 58: a.imul(rdx, rsi, -3); a.jc(top); break;
            case 59: a.imul(rax, __qword_ptr[rbx + 8]); a.jo(top); break;
            case 60: a.cmp(rax, rsi); a.adc(rdx, -1); a.jc(top); break;
            case 61: a.shl(eax, 4); a.imul(r10d, esi); break;
            // Shifts by CL: counts of 0 (flags kept, a 32-bit register still zero-extended), 31, 32 and 63.
            case 62: a.cmp(rax, rsi); a.shl(rdx, cl); a.jb(top); a.shr(r11d, cl); a.jc(top); break;
            case 63: a.cmp(rsi, rax); a.sar(rax, cl); a.jl(top); a.add(ecx, 31); break;
            case 64: a.mov(r12, -1L); a.push(rcx); a.xor(ecx, ecx); a.cmp(rax, rsi); a.shr(r12d, cl); a.setb(r13b); a.pop(rcx); a.shl(r9, cl); break;
        }
    }
}
