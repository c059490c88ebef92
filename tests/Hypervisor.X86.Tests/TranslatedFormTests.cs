using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Each form the translator compiles (and a few it hands to the interpreter) in a small loop, run
/// translated from the first pass and interpreted: registers, flags, retired count and memory must match.
/// </summary>
public class TranslatedFormTests
{
    private const uint Code = 0x10000, Data = 0x30000;

    public static TheoryData<int> Forms()
    {
        var t = new TheoryData<int>();
        for (int i = 0; i < 60; i++)
            t.Add(i);
        return t;
    }

    [Theory]
    [MemberData(nameof(Forms))]
    public void A_form_runs_translated_as_it_runs_interpreted(int form)
    {
        using var translated = Run(form, Cpu.TranslationMode.Always);
        using var interpreted = Run(form, Cpu.TranslationMode.Off);
        var a = translated.Vcpu.GetRegisters();
        var b = interpreted.Vcpu.GetRegisters();
        Assert.Equal(VcpuExitReason.Intr, translated.Vcpu.Exit.Reason);
        Assert.Equal((b.Rax, b.Rbx, b.Rcx, b.Rdx, b.Rsi, b.Rdi, b.Rsp, b.Rbp, b.Rip, b.Rflags),
            (a.Rax, a.Rbx, a.Rcx, a.Rdx, a.Rsi, a.Rdi, a.Rsp, a.Rbp, a.Rip, a.Rflags));
        Assert.Equal(interpreted.Vcpu.InstructionsRetired, translated.Vcpu.InstructionsRetired);
        Assert.True(translated.Read(Data, 0x100).AsSpan().SequenceEqual(interpreted.Read(Data, 0x100)));
        Assert.True(translated.Vcpu.Cpu.BlocksTranslated > 0);
    }

    [Fact]
    public void Auto_mode_compiles_in_the_background_and_then_runs_the_block_translated()
    {
        // Auto: the loop is interpreted until it is hot and its code is compiled on the background
        // compiler's thread, then entered translated; the end state is the interpreter's, whenever that happened.
        using var auto = Run(52, Cpu.TranslationMode.Auto, slices: true);
        using var interpreted = Run(52, Cpu.TranslationMode.Off, slices: true);
        Assert.True(auto.Vcpu.Cpu.BlockEntries > 0, "the block never ran translated");
        Assert.Equal(0, interpreted.Vcpu.Cpu.BlockEntries);
        var a = auto.Vcpu.GetRegisters();
        var b = interpreted.Vcpu.GetRegisters();
        Assert.Equal((b.Rax, b.Rcx, b.Rdx, b.Rsi, b.Rdi, b.Rip, b.Rflags), (a.Rax, a.Rcx, a.Rdx, a.Rsi, a.Rdi, a.Rip, a.Rflags));
        Assert.Equal(interpreted.Vcpu.InstructionsRetired, auto.Vcpu.InstructionsRetired);
        Assert.True(auto.Read(Data, 0x100).AsSpan().SequenceEqual(interpreted.Read(Data, 0x100)));
    }

    /// <summary>
    /// Runs a form's loop: 999 instructions, or with <paramref name="slices"/> slices of 100,000 until
    /// translated code ran (at most 30 s) and then to 50 million, the same total in every mode.
    /// </summary>
    private static CpuHarness Run(int form, Cpu.TranslationMode mode, bool slices = false)
    {
        var h = new CpuHarness((0, 0x100000));
        h.Vcpu.Cpu.Translation = mode;
        h.Load(Code, h.Assemble(32, Code, a =>
        {
            var top = a.CreateLabel();
            a.Label(ref top);
            Emit(a, form, top);
            a.inc(ecx);
            a.add(esi, 0x1234567);
            a.jmp(top);
        }));
        h.SetFlatProtectedMode(Code, 0x80000);
        var r = h.Vcpu.GetRegisters();
        r.Rax = 0x80000001; r.Rbx = Data; r.Rdx = 0x7FFFFFFF; r.Rdi = 0xFF00FF;
        h.Vcpu.SetRegisters(r);
        if (!slices)
        {
            h.Vcpu.InstructionLimit = 999;
            h.Run();
            return h;
        }
        const ulong total = 50_000_000;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (h.Vcpu.InstructionsRetired < total)
        {
            bool waiting = mode == Cpu.TranslationMode.Auto && h.Vcpu.Cpu.BlockEntries == 0 && DateTime.UtcNow < deadline;
            h.Vcpu.InstructionLimit = waiting ? Math.Min(total - 1, h.Vcpu.InstructionsRetired!.Value + 100_000) : total;
            if (waiting && h.Vcpu.InstructionsRetired >= total - 1)
                Thread.Sleep(10); // the compiler is behind: let it run
            h.Run();
        }
        return h;
    }

    private static void Emit(Assembler a, int form, Label top)
    {
        switch (form)
        {
            case 0: a.mov(eax, esi); break;
            case 1: a.mov(edx, 5); break;
            case 2: a.mov(eax, __dword_ptr[ebx + 4]); break;
            case 3: a.mov(__dword_ptr[ebx + 4], esi); break;
            case 4: a.mov(__dword_ptr[ebx + 8], 7); break;
            case 5: a.mov(__byte_ptr[ebx + 4], 7); break;
            case 6: a.movzx(eax, __byte_ptr[ebx + 5]); break;
            case 7: a.add(eax, esi); break;
            case 8: a.add(eax, 3); a.jc(top); break;
            case 9: a.add(eax, __dword_ptr[ebx]); break;
            case 10: a.add(__dword_ptr[ebx], esi); a.jo(top); break;
            case 11: a.cmp(eax, esi); a.jb(top); break;
            case 12: a.cmp(__byte_ptr[ebx + 1], 3); a.jl(top); break;
            case 13: a.inc(eax); a.jne(top); break;
            case 14: a.dec(edx); a.jbe(top); break;
            case 15: a.lea(eax, __[ebx + ecx * 4 + 8]); break;
            case 16: a.push(esi); a.pop(edi); break;
            case 17: a.shl(eax, 3); a.jc(top); break;
            case 18: a.imul(eax, esi); a.jo(top); break;
            case 19: a.movsx(eax, cl); break;
            case 20: a.mov(al, ch); a.mov(dh, cl); break;
            case 21: a.cmp(al, ch); a.jg(top); break;
            case 22: a.test(al, ch); a.jnp(top); break;
            case 23: a.add(al, 4); a.sub(dh, cl); break;
            case 24: a.sete(al); a.setl(ah); break;
            case 25: a.cmp(esi, eax); a.cmovb(eax, esi); break;
            case 26: a.neg(eax); a.js(top); break;
            case 27: a.xchg(eax, esi); break;
            case 28: a.push(0x1234); a.pop(eax); break;
            case 29: a.test(eax, eax); a.jp(top); break;
            case 30: a.xor(eax, eax); a.js(top); break;
            case 31: a.cmp(eax, 5); a.jo(top); break;
            case 32:
            {
                // CALL to a subroutine inside the block's page, RET back.
                var sub = a.CreateLabel();
                var over = a.CreateLabel();
                a.call(sub);
                a.jmp(over);
                a.Label(ref sub);
                a.add(edi, 3);
                a.ret();
                a.Label(ref over);
                break;
            }
            case 33: a.adc(eax, esi); a.sbb(edx, ecx); break;
            case 34: a.inc(__dword_ptr[ebx + 12]); a.rcl(eax, 1); break;  // interpreted inside the block
            case 35: a.mov(__word_ptr[ebx + 2], si); a.add(ax, si); break; // 16-bit forms, interpreted
            case 36: a.bt(esi, 3); a.jc(top); break;
            case 37: a.mul(esi); break;
            case 38: a.dec(ecx); a.inc(edx); a.jle(top); a.js(top); a.jb(top); break;
            case 39: a.cmp(edx, eax); a.cmovg(edi, __dword_ptr[ebx + 16]); a.setbe(bl); break;
            // Shifts owe their flags (a = the value, b = the count); 16-bit moves and shifts are compiled too.
            case 40: a.shr(eax, 5); a.ja(top); break;
            case 41: a.sar(edx, 3); a.jl(top); a.jz(top); break;
            case 42: a.shl(eax, 1); a.jo(top); a.js(top); break;
            case 43: a.mov(si, __word_ptr[ebx + 6]); a.mov(__word_ptr[ebx + 10], ax); break;
            case 44: a.shr(ax, 3); a.jc(top); a.jz(top); break;
            case 45: a.sar(dx, 9); a.jl(top); a.shl(si, 17); a.jc(top); break;
            case 46: a.shr(eax, 1); a.inc(edx); a.jb(top); break;      // INC keeps the shift's CF
            case 47: a.shl(ax, 4); a.adc(ecx, 0); a.jp(top); break;    // the interpreter reads the owed CF and PF
            case 48: a.sar(eax, 2); a.pushfd(); a.pop(edi); break;
            case 49: a.shr(esi, 31); a.setne(al); a.sets(ah); a.shl(edi, 8); a.setg(dl); break;
            // Logic with memory, INC/DEC of memory, byte ALU with a memory source.
            case 50: a.xor(eax, __dword_ptr[ebx + 4]); a.js(top); break;
            case 51: a.and(esi, __dword_ptr[ebx + 8]); a.or(edi, __dword_ptr[ebx + 12]); a.jz(top); break;
            case 52: a.xor(__dword_ptr[ebx + 4], esi); a.and(__dword_ptr[ebx + 8], edx); a.or(__dword_ptr[ebx + 12], eax); a.jp(top); break;
            case 53: a.inc(__dword_ptr[ebx + 16]); a.jo(top); a.dec(__dword_ptr[ebx + 20]); a.js(top); break;
            case 54: a.add(eax, esi); a.inc(__dword_ptr[ebx]); a.jb(top); break; // INC keeps the ADD's CF
            case 55: a.xor(al, __byte_ptr[ebx + 3]); a.add(dh, __byte_ptr[ebx + 7]); a.jc(top); break;
            case 56: a.sub(ch, __byte_ptr[ebx + 1]); a.and(bl, __byte_ptr[ebx + 2]); a.or(ah, __byte_ptr[ebx + 9]); a.jl(top); break;
            case 57: a.dec(__dword_ptr[ebx + 24]); a.jne(top); a.inc(ecx); a.xor(edx, __dword_ptr[ebx + 24]); break;
            case 58: a.add(eax, esi); a.adc(edx, 5); a.sbb(edi, 0x7FFFFFFF); a.jc(top); break;
            default: a.sub(esi, eax); a.sbb(eax, eax); a.adc(eax, eax); a.jz(top); break;
        }
    }
}
