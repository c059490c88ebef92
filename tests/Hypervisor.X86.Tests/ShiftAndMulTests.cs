using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>Shifts/rotates by 0, 1 and N; MUL/IMUL/DIV/IDIV including #DE; BCD adjust.</summary>
public class ShiftAndMulTests
{
    private static (uint Al, uint Flags) Op8(Action<Assembler> op, byte al, bool carry = false, byte cl = 1)
    {
        var r = Real(a =>
        {
            if (carry) a.stc(); else a.clc();
            op(a);
            a.hlt();
        }, h => SetRegs(h, r => { r.Rax = al; r.Rcx = cl; return r; }));
        return ((uint)r.Rax & 0xFF, (uint)r.Rflags & Status);
    }

    [Theory]
    [InlineData("shl", 0x81, 0x02, CF | OF)]
    [InlineData("shr", 0x81, 0x40, CF | OF)]
    [InlineData("sar", 0x81, 0xC0, CF | SF | PF)]
    [InlineData("rol", 0x81, 0x03, CF | OF)]
    [InlineData("ror", 0x81, 0xC0, CF)]
    public void Shift_by_one(string op, int value, int result, uint flags)
    {
        var (r, f) = Op8(a =>
        {
            switch (op)
            {
                case "shl": a.shl(al, 1); break;
                case "shr": a.shr(al, 1); break;
                case "sar": a.sar(al, 1); break;
                case "rol": a.rol(al, 1); break;
                default: a.ror(al, 1); break;
            }
        }, (byte)value);
        Assert.Equal((uint)result, r);
        // Rotates leave SF/ZF/PF/AF alone: the CLC before left them clear except what the op sets.
        Assert.Equal(flags, f & (op.StartsWith('r') ? CF | OF : Status));
    }

    [Fact]
    public void Shift_by_zero_changes_nothing_including_flags()
    {
        var (r, f) = Op8(a => a.shl(al, cl), 0x81, carry: true, cl: 0);
        Assert.Equal(0x81u, r);
        Assert.Equal(CF, f);
        (r, f) = Op8(a => a.shl(al, cl), 0x81, carry: true, cl: 32); // masked to 0
        Assert.Equal(0x81u, r);
        Assert.Equal(CF, f);
    }

    [Fact]
    public void Shift_by_n_takes_carry_from_the_last_bit_out()
    {
        var (r, f) = Op8(a => a.shl(al, cl), 0x21, cl: 3);
        Assert.Equal(0x08u, r);
        Assert.Equal(CF, f & CF);
        (r, f) = Op8(a => a.shr(al, cl), 0x04, cl: 3);
        Assert.Equal(0x00u, r);
        Assert.Equal(CF | ZF | PF, f & (CF | ZF | PF));
        (r, _) = Op8(a => a.shl(al, cl), 0xFF, cl: 9); // 8-bit shift by 9 clears the byte
        Assert.Equal(0u, r);
    }

    [Fact]
    public void Rcl_and_rcr_rotate_through_carry()
    {
        var (r, f) = Op8(a => a.rcl(al, 1), 0x80, carry: false);
        Assert.Equal(0x00u, r);
        Assert.Equal(CF | OF, f & (CF | OF));
        (r, f) = Op8(a => a.rcr(al, 1), 0x01, carry: true);
        Assert.Equal(0x80u, r);
        Assert.Equal(CF | OF, f & (CF | OF));
        (r, f) = Op8(a => a.rcl(al, cl), 0x01, carry: true, cl: 9); // 9 mod 9 = 0: unchanged
        Assert.Equal(0x01u, r);
        Assert.Equal(CF, f & CF);
    }

    [Fact]
    public void Shld_and_shrd_32()
    {
        var r = Flat(a =>
        {
            a.mov(eax, 0x12345678); a.mov(edx, 0x9ABCDEF0); a.shld(eax, edx, 8); a.mov(ebx, eax);
            a.mov(eax, 0x12345678); a.shrd(eax, edx, 8); a.mov(ecx, eax);
            a.hlt();
        });
        Assert.Equal(0x3456789AUL, r.Rbx);
        Assert.Equal(0xF0123456UL, r.Rcx);
    }

    [Fact]
    public void Mul_and_imul_set_carry_when_the_high_half_matters()
    {
        var r = Real(a => { a.mov(al, 0x80); a.mov(bl, 2); a.mul(bl); a.hlt(); });
        Assert.Equal(0x0100UL, r.Rax & 0xFFFF);
        Assert.Equal(CF | OF, (uint)r.Rflags & (CF | OF));
        r = Real(a => { a.mov(al, 0xFF); a.mov(bl, 1); a.imul(bl); a.hlt(); });
        Assert.Equal(0xFFFFUL, r.Rax & 0xFFFF);
        Assert.Equal(0u, (uint)r.Rflags & (CF | OF));
        r = Flat(a => { a.mov(eax, 0x10000); a.mov(ebx, 0x10000); a.mul(ebx); a.imul(ecx, ebx, -3); a.hlt(); });
        Assert.Equal(0UL, r.Rax);
        Assert.Equal(1UL, r.Rdx);
        Assert.Equal(0xFFFD0000UL, r.Rcx);
    }

    [Fact]
    public void Div_and_idiv()
    {
        var r = Real(a => { a.mov(ax, 1000); a.mov(bl, 10); a.div(bl); a.hlt(); });
        Assert.Equal(100UL, r.Rax & 0xFFFF);
        r = Real(a => { a.mov(ax, unchecked((ushort)-7)); a.mov(bl, 2); a.idiv(bl); a.hlt(); });
        Assert.Equal(0xFFFDUL, r.Rax & 0xFFFF); // AH = -1 (remainder), AL = -3
        r = Flat(a => { a.mov(edx, 1); a.mov(eax, 0); a.mov(ebx, 2); a.div(ebx); a.hlt(); });
        Assert.Equal(0x80000000UL, r.Rax);
        Assert.Equal(0UL, r.Rdx);
    }

    [Fact]
    public void Divide_by_zero_raises_DE_through_the_IVT_with_the_faulting_IP()
    {
        var r = Real(a =>
        {
            a.mov(__word_ptr[0], 0x7C80); // IVT[0] = 0000:7C80
            a.mov(__word_ptr[2], 0);
            a.mov(bl, 0);
            a.div(bl);
            a.hlt();
        }, h => h.Load(0x7C80, [0x5E, 0xF4])); // pop si (faulting IP); hlt
        Assert.Equal(0x7C80 + 2UL, r.Rip);
        Assert.Equal(0x7C0EUL, r.Rsi); // the DIV: after mov [0] (6), mov [2] (6), mov bl (2)
    }

    [Fact]
    public void Bcd_adjusts()
    {
        var r = Real(a => { a.mov(al, 0x79); a.add(al, 0x35); a.daa(); a.hlt(); });
        Assert.Equal(0x14UL, r.Rax & 0xFF);
        Assert.Equal(CF | AF, (uint)r.Rflags & (CF | AF));
        r = Real(a => { a.mov(al, 0x35); a.sub(al, 0x47); a.das(); a.hlt(); });
        Assert.Equal(0x88UL, r.Rax & 0xFF);
        Assert.Equal(CF, (uint)r.Rflags & CF);
        // AL - 6 borrows: CF is set even though the high-digit step does not run (found by alurand16).
        r = Real(a => { a.mov(al, 0x10); a.sub(al, 0x01); a.mov(al, 0x00); a.das(); a.hlt(); });
        Assert.Equal(0xFAUL, r.Rax & 0xFF);
        Assert.Equal(CF | AF, (uint)r.Rflags & (CF | AF));
        r = Real(a => { a.mov(ax, 0x0009); a.add(al, 2); a.aaa(); a.hlt(); });
        Assert.Equal(0x0101UL, r.Rax & 0xFFFF);
        r = Real(a => { a.mov(al, 63); a.aam(10); a.mov(bx, ax); a.aad(10); a.hlt(); });
        Assert.Equal(0x0603UL, r.Rbx & 0xFFFF);
        Assert.Equal(63UL, r.Rax & 0xFFFF);
    }
}
