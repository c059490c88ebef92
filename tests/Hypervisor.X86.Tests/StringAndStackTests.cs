using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>String instructions with REP prefixes and segment overrides; stack and control-transfer instructions.</summary>
public class StringAndStackTests
{
    [Fact]
    public void Rep_movsb_copies_forward_and_updates_si_di_cx()
    {
        using var h = new CpuHarness();
        h.Load(0x500, "hello"u8);
        var r = Real(a => { a.cld(); a.mov(si, 0x500); a.mov(di, 0x600); a.mov(cx, 5); a.rep.movsb(); a.hlt(); }, harness: h);
        Assert.Equal("hello"u8.ToArray(), h.Read(0x600, 5));
        Assert.Equal(0x505UL, r.Rsi & 0xFFFF);
        Assert.Equal(0x605UL, r.Rdi & 0xFFFF);
        Assert.Equal(0UL, r.Rcx & 0xFFFF);
    }

    [Fact]
    public void Movsw_with_a_segment_override_and_direction_flag_set()
    {
        using var h = new CpuHarness();
        h.Load(0x10000 + 0x10, [1, 2, 3, 4]); // FS = 0x1000
        var r = Real(a =>
        {
            a.mov(ax, 0x1000); a.mov(fs, ax);
            a.std(); a.mov(si, 0x12); a.mov(di, 0x702); a.mov(cx, 2);
            a.db(0x64, 0xF3, 0xA5); // rep movsw with an FS override
            a.hlt();
        }, harness: h);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, h.Read(0x700, 4));
        Assert.Equal(0x0EUL, r.Rsi & 0xFFFF);
    }

    [Fact]
    public void Repe_cmpsb_stops_at_the_first_difference_and_repne_scasb_at_the_match()
    {
        using var h = new CpuHarness();
        h.Load(0x500, "abcdef"u8);
        h.Load(0x600, "abcxef"u8);
        var r = Real(a =>
        {
            a.cld(); a.mov(si, 0x500); a.mov(di, 0x600); a.mov(cx, 6); a.repe.cmpsb(); a.mov(bx, cx);
            a.mov(di, 0x500); a.mov(al, (byte)'e'); a.mov(cx, 6); a.repne.scasb(); a.mov(dx, di);
            a.hlt();
        }, harness: h);
        Assert.Equal(2UL, r.Rbx & 0xFFFF); // stopped after comparing 'd' with 'x'
        Assert.Equal(0x505UL, r.Rdx & 0xFFFF); // one past the 'e'
        Assert.Equal(ZF, (uint)r.Rflags & ZF);
    }

    [Fact]
    public void Rep_stosd_and_lodsb_in_32_bit_mode()
    {
        using var h = new CpuHarness();
        var r = Flat(a =>
        {
            a.cld(); a.mov(edi, 0x3000); a.mov(eax, 0xA5A5A5A5); a.mov(ecx, 4); a.rep.stosd();
            a.mov(esi, 0x3003); a.lodsb(); a.hlt();
        }, harness: h);
        Assert.All(h.Read(0x3000, 16), b => Assert.Equal(0xA5, b));
        Assert.Equal(0xA5A5A5A5UL, r.Rax);
        Assert.Equal(0x3004UL, r.Rsi);
    }

    [Fact]
    public void Rep_with_cx_zero_does_nothing()
    {
        var r = Real(a => { a.mov(di, 0x600); a.xor(cx, cx); a.rep.stosb(); a.hlt(); });
        Assert.Equal(0x600UL, r.Rdi & 0xFFFF);
    }

    [Fact]
    public void Push_pop_pusha_popa_and_flags()
    {
        var r = Real(a =>
        {
            a.mov(ax, 1); a.mov(cx, 2); a.mov(dx, 3); a.mov(bx, 4); a.mov(bp, 6); a.mov(si, 7); a.mov(di, 8);
            a.pusha(); a.xor(ax, ax); a.xor(cx, cx); a.xor(bp, bp); a.popa();
            a.push(0x1234); a.pop(__word_ptr[0x600]);
            a.stc(); a.pushf(); a.clc(); a.popf();
            a.hlt();
        });
        Assert.Equal(1UL, r.Rax & 0xFFFF);
        Assert.Equal(2UL, r.Rcx & 0xFFFF);
        Assert.Equal(6UL, r.Rbp & 0xFFFF);
        Assert.Equal(0x7000UL, r.Rsp & 0xFFFF);
        Assert.Equal(CF, (uint)r.Rflags & CF);
    }

    [Fact]
    public void Call_ret_loop_jcxz_enter_leave()
    {
        var r = Flat(a =>
        {
            var func = a.CreateLabel();
            var loop = a.CreateLabel();
            var done = a.CreateLabel();
            a.xor(eax, eax);
            a.mov(ecx, 10);
            a.Label(ref loop);
            a.add(eax, ecx);
            a.loop(loop);          // eax = 55
            a.jecxz(done);
            a.mov(eax, 0xBAD);
            a.Label(ref done);
            a.call(func);
            a.hlt();
            a.Label(ref func);
            a.enter(8, 0);
            a.mov(__dword_ptr[ebp - 4], 77);
            a.mov(ebx, __dword_ptr[ebp - 4]);
            a.leave();
            a.ret();
        });
        Assert.Equal(55UL, r.Rax);
        Assert.Equal(77UL, r.Rbx);
        Assert.Equal(0x80000UL, r.Rsp);
    }

    [Fact]
    public void Far_call_and_far_return_in_real_mode()
    {
        using var h = new CpuHarness();
        h.Load(0x20000, [0xB8, 0x34, 0x12, 0xCB]); // 2000:0000 mov ax, 0x1234; retf
        var r = Real(a => { a.call(0x2000, 0); a.mov(bx, cs); a.hlt(); }, harness: h);
        Assert.Equal(0x1234UL, r.Rax & 0xFFFF);
        Assert.Equal(0UL, r.Rbx & 0xFFFF);
    }

    [Fact]
    public void Int_and_iret_through_the_ivt()
    {
        using var h = new CpuHarness();
        // Handler for INT 0x21 at 0000:0800: mov bx, 0x4242; iret.
        h.Load(0x800, [0xBB, 0x42, 0x42, 0xCF]);
        h.Load(0x21 * 4, [0x00, 0x08, 0x00, 0x00]);
        var r = Real(a => { a.sti(); a.@int(0x21); a.pushf(); a.pop(dx); a.hlt(); }, harness: h);
        Assert.Equal(0x4242UL, r.Rbx & 0xFFFF);
        Assert.Equal(0x200UL, r.Rdx & 0x200); // IF restored by IRET
        Assert.Equal(0x7000UL, r.Rsp & 0xFFFF);
    }

    [Fact]
    public void Data_transfer_forms()
    {
        var r = Flat(a =>
        {
            a.mov(eax, 0xFFFFFF80); a.movsx(ebx, al); a.movzx(ecx, al);
            a.mov(edx, 0x11223344); a.bswap(edx);
            a.mov(esi, 1); a.mov(edi, 2); a.xchg(esi, edi);
            a.lea(ebp, __[esi + edi * 4 + 0x10]);
            a.hlt();
        });
        Assert.Equal(0xFFFFFF80UL, r.Rbx);
        Assert.Equal(0x80UL, r.Rcx);
        Assert.Equal(0x44332211UL, r.Rdx);
        Assert.Equal(2UL, r.Rsi);
        Assert.Equal(1UL, r.Rdi);
        Assert.Equal(0x16UL, r.Rbp);
    }

    [Fact]
    public void Bit_instructions_setcc_and_cmovcc()
    {
        var r = Flat(a =>
        {
            a.mov(eax, 0x00F0); a.bsf(ebx, eax); a.bsr(ecx, eax);
            a.bts(eax, 0); a.setc(dl);                 // CF = old bit 0 = 0
            a.bt(eax, 4); a.setc(dh);                  // 1
            a.mov(__dword_ptr[0x3000], 0); a.mov(esi, 35); a.bts(__dword_ptr[0x3000], esi); // bit 3 of the next dword
            a.mov(edi, __dword_ptr[0x3004]);
            a.cmp(eax, eax); a.mov(ebp, 5); a.cmove(ebp, ebx);
            a.hlt();
        });
        Assert.Equal(4UL, r.Rbx);
        Assert.Equal(7UL, r.Rcx);
        Assert.Equal(0x0100UL, r.Rdx & 0xFFFF);
        Assert.Equal(0xF1UL, r.Rax);
        Assert.Equal(8UL, r.Rdi);
        Assert.Equal(4UL, r.Rbp);
    }
}
