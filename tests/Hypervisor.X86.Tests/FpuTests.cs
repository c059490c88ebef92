using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>x87: the register stack, arithmetic, integer stores with rounding, comparisons, and save images.</summary>
public class FpuTests
{
    [Fact]
    public void Arithmetic_on_the_register_stack_and_integer_store()
    {
        var r = Flat(a =>
        {
            a.fninit();
            a.mov(__dword_ptr[0x3000], 7);
            a.fild(__dword_ptr[0x3000]);   // 7
            a.fld1();                      // 1, 7
            a.fld1();
            a.faddp(st1, st0);             // 2, 7
            a.fdivp(st1, st0);             // 3.5
            a.fistp(__dword_ptr[0x3004]);  // round to nearest even: 4
            a.fnstsw(ax);
            a.mov(ebx, __dword_ptr[0x3004]);
            a.hlt();
        });
        Assert.Equal(4UL, r.Rbx);
        Assert.Equal(0UL, r.Rax & 0x3800); // TOP back to 0
    }

    [Fact]
    public void Compare_sets_condition_codes_and_truncating_store_uses_the_control_word()
    {
        var r = Flat(a =>
        {
            a.fninit();
            a.fldpi();
            a.fld1();
            a.db(0xD8, 0xD9);              // fcomp st(1): 1 < pi sets C0
            a.fnstsw(ax);
            a.mov(__word_ptr[0x3000], 0x0F7F); // RC = truncate
            a.fldcw(__word_ptr[0x3000]);
            a.fchs();                      // -pi
            a.fistp(__dword_ptr[0x3004]);  // -3
            a.mov(ebx, __dword_ptr[0x3004]);
            a.hlt();
        });
        Assert.Equal(0x0100UL, r.Rax & 0x4500);
        Assert.Equal(unchecked((ulong)(uint)-3), r.Rbx);
    }

    [Fact]
    public void Double_round_trips_through_the_80_bit_format()
    {
        Span<byte> raw = stackalloc byte[10];
        foreach (double v in new[] { 0.0, 1.0, -2.5, Math.PI, 1e-310, double.MaxValue, double.PositiveInfinity })
        {
            Hypervisor.X86.Cpu.Cpu.DoubleToExtended(v, raw);
            Assert.Equal(v, Hypervisor.X86.Cpu.Cpu.ExtendedToDouble(raw));
        }
        Hypervisor.X86.Cpu.Cpu.DoubleToExtended(1.0, raw);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F }, raw.ToArray());
    }
}
