using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>ADD/ADC/SUB/SBB/CMP/INC/DEC/NEG results and all six status flags, against the SDM definitions.</summary>
public class ArithmeticFlagTests
{
    private static (uint Result, uint Flags) Alu8(Action<Assembler> op, byte al, byte bl, bool carry = false)
    {
        var r = Real(a =>
        {
            if (carry) a.stc(); else a.clc();
            op(a);
            a.hlt();
        }, h => SetRegs(h, r => { r.Rax = al; r.Rbx = bl; return r; }));
        return ((uint)r.Rax & 0xFF, (uint)r.Rflags & Status);
    }

    [Theory]
    [InlineData(0x7F, 0x01, 0x80, SF | AF | OF)]
    [InlineData(0xFF, 0x01, 0x00, CF | ZF | AF | PF)]
    [InlineData(0x80, 0x80, 0x00, CF | ZF | PF | OF)]
    [InlineData(0x0F, 0x01, 0x10, AF)]
    [InlineData(0x01, 0x02, 0x03, PF)]
    public void Add8_sets_every_status_flag(int a, int b, int result, uint flags)
    {
        var (r, f) = Alu8(x => x.add(al, bl), (byte)a, (byte)b);
        Assert.Equal((uint)result, r);
        Assert.Equal(flags, f);
    }

    [Theory]
    [InlineData(0x00, 0x01, 0xFF, CF | AF | SF | PF)]
    [InlineData(0x80, 0x01, 0x7F, AF | OF)]
    [InlineData(0x05, 0x05, 0x00, ZF | PF)]
    [InlineData(0x7F, 0xFF, 0x80, CF | SF | OF)]
    public void Sub8_sets_every_status_flag(int a, int b, int result, uint flags)
    {
        var (r, f) = Alu8(x => x.sub(al, bl), (byte)a, (byte)b);
        Assert.Equal((uint)result, r);
        Assert.Equal(flags, f);
    }

    [Fact]
    public void Adc_adds_the_carry_and_sbb_subtracts_it()
    {
        var (r, f) = Alu8(x => x.adc(al, bl), 0xFE, 0x01, carry: true);
        Assert.Equal(0u, r);
        Assert.Equal(CF | ZF | AF | PF, f);
        (r, f) = Alu8(x => x.sbb(al, bl), 0x00, 0x00, carry: true);
        Assert.Equal(0xFFu, r);
        Assert.Equal(CF | AF | SF | PF, f);
    }

    [Fact]
    public void Cmp_sets_flags_without_writing()
    {
        var (r, f) = Alu8(x => x.cmp(al, bl), 0x10, 0x20);
        Assert.Equal(0x10u, r);
        Assert.Equal(CF | SF | PF, f); // 0xF0 has an even number of ones
    }

    [Fact]
    public void Inc_and_dec_keep_carry()
    {
        var (r, f) = Alu8(x => x.inc(al), 0xFF, 0, carry: true);
        Assert.Equal(0u, r);
        Assert.Equal(CF | ZF | AF | PF, f);
        (r, f) = Alu8(x => x.dec(al), 0x80, 0, carry: false);
        Assert.Equal(0x7Fu, r);
        Assert.Equal(AF | OF, f);
    }

    [Fact]
    public void Neg_sets_carry_unless_zero()
    {
        var (r, f) = Alu8(x => x.neg(al), 0x00, 0);
        Assert.Equal(0u, r);
        Assert.Equal(ZF | PF, f);
        (r, f) = Alu8(x => x.neg(al), 0x80, 0);
        Assert.Equal(0x80u, r);
        Assert.Equal(CF | SF | OF, f);
    }

    [Fact]
    public void Add32_carry_and_overflow()
    {
        var r = Flat(a => { a.mov(eax, 0x7FFFFFFF); a.add(eax, 1); a.mov(ebx, eax); a.mov(ecx, 0xFFFFFFFF); a.add(ecx, 1); a.hlt(); });
        Assert.Equal(0x80000000UL, r.Rbx);
        Assert.Equal(0UL, r.Rcx);
        Assert.Equal(CF | ZF | AF | PF, (uint)r.Rflags & Status);
    }

    [Fact]
    public void Xadd_cmpxchg_and_cmpxchg8b()
    {
        var r = Flat(a =>
        {
            a.mov(eax, 5); a.mov(ebx, 7); a.xadd(eax, ebx); // eax = 12, ebx = 5
            a.mov(__dword_ptr[0x2000], 100);
            a.mov(ecx, eax);
            a.mov(eax, 100); a.mov(edx, 55); a.cmpxchg(__dword_ptr[0x2000], edx); // equal: store 55
            a.mov(esi, __dword_ptr[0x2000]);
            a.mov(eax, 1); a.cmpxchg(__dword_ptr[0x2000], edx); // not equal: eax = 55
            a.mov(edi, eax);
            a.hlt();
        });
        Assert.Equal(12UL, r.Rcx);
        Assert.Equal(5UL, r.Rbx);
        Assert.Equal(55UL, r.Rsi);
        Assert.Equal(55UL, r.Rdi);

        r = Flat(a =>
        {
            a.mov(__dword_ptr[0x2000], 0x11111111); a.mov(__dword_ptr[0x2004], 0x22222222);
            a.mov(eax, 0x11111111); a.mov(edx, 0x22222222); a.mov(ebx, 0xAAAAAAAA); a.mov(ecx, 0xBBBBBBBB);
            a.cmpxchg8b(__qword_ptr[0x2000]);
            a.setz(__byte_ptr[0x3000]);
            a.mov(esi, __dword_ptr[0x2000]); a.mov(edi, __dword_ptr[0x2004]);
            a.hlt();
        });
        Assert.Equal(0xAAAAAAAAUL, r.Rsi);
        Assert.Equal(0xBBBBBBBBUL, r.Rdi);
    }
}
