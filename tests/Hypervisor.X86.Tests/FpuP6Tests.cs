using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The x87 instructions issue 12 found missing, by their results: FCMOVcc, FCOMI/FUCOMI(P), FXAM,
/// FBLD/FBSTP, FPREM/FPREM1, the transcendental and scaling group, FFREEP and the FSTP alias.
/// </summary>
public class FpuP6Tests
{
    private const uint Out = 0x3000;

    /// <summary>Runs <paramref name="code"/> (flat, 32-bit) after FNINIT and returns the doubles it stored at <see cref="Out"/>.</summary>
    private static (double[] Values, ushort Status, uint Flags) RunFpu(Action<Assembler> code, int count = 4)
    {
        using var h = new CpuHarness();
        var r = Flat(a =>
        {
            a.fninit();
            code(a);
            a.fnstsw(ax);
            a.hlt();
        }, harness: h);
        var bytes = h.Read(Out, 8 * count);
        var values = Enumerable.Range(0, count).Select(i => BitConverter.ToDouble(bytes, 8 * i)).ToArray();
        return (values, (ushort)r.Rax, (uint)r.Rflags);
    }

    private static void Store(Assembler a, int slot) => a.fstp(__qword_ptr[Out + 8 * slot]);

    [Theory]
    [InlineData(0xDA, 0xC1, 0x001u, true)]  // fcmovb, CF = 1
    [InlineData(0xDA, 0xC1, 0x000u, false)]
    [InlineData(0xDA, 0xC9, 0x040u, true)]  // fcmove, ZF = 1
    [InlineData(0xDA, 0xD1, 0x040u, true)]  // fcmovbe, ZF = 1
    [InlineData(0xDA, 0xD1, 0x000u, false)]
    [InlineData(0xDA, 0xD9, 0x004u, true)]  // fcmovu, PF = 1
    [InlineData(0xDB, 0xC1, 0x000u, true)]  // fcmovnb, CF = 0
    [InlineData(0xDB, 0xC9, 0x040u, false)] // fcmovne, ZF = 1
    [InlineData(0xDB, 0xD1, 0x001u, false)] // fcmovnbe, CF = 1
    [InlineData(0xDB, 0xD9, 0x000u, true)]  // fcmovnu, PF = 0 (issue 12's DB D9)
    [InlineData(0xDB, 0xD9, 0x004u, false)]
    public void Fcmov_moves_st1_to_st0_exactly_when_the_condition_holds(byte escape, byte modrm, uint flags, bool moves)
    {
        var (v, _, _) = RunFpu(a =>
        {
            a.fldpi();
            a.fldz();                    // ST0 = 0, ST1 = pi
            a.push(flags | 2);
            a.popfd();
            a.db(escape, modrm);         // fcmovcc st0, st1
            Store(a, 0);
            Store(a, 1);
        });
        Assert.Equal(moves ? Math.PI : 0.0, v[0]);
        Assert.Equal(Math.PI, v[1]);
    }

    [Fact]
    public void Fcomi_and_fucomi_set_zf_pf_cf_and_the_p_forms_pop()
    {
        const uint zpc = 0x45;
        var (_, status, flags) = RunFpu(a => { a.fldpi(); a.fld1(); a.fcomi(st0, st1); });
        Assert.Equal(0x01u, flags & zpc);       // 1 < pi: CF
        Assert.Equal(6, (status >> 11) & 7);     // nothing popped
        (_, status, flags) = RunFpu(a => { a.fld1(); a.fldpi(); a.fucomip(st0, st1); });
        Assert.Equal(0x00u, flags & zpc);       // pi > 1
        Assert.Equal(7, (status >> 11) & 7);     // popped once
        (_, status, flags) = RunFpu(a => { a.fld1(); a.fld1(); a.fcomip(st0, st1); });
        Assert.Equal(0x40u, flags & zpc);       // equal: ZF
        (_, status, flags) = RunFpu(a => { a.fld1(); a.fldz(); a.fdiv(st0, st0); a.fucomi(st0, st1); a.fnclex(); a.fucomi(st0, st1); });
        Assert.Equal(0x45u, flags & zpc);       // 0/0 is NaN: unordered
        Assert.Equal(0, status & 1);             // FUCOMI does not raise IE for a quiet NaN
        (_, status, _) = RunFpu(a => { a.fld1(); a.fldz(); a.fdiv(st0, st0); a.fnclex(); a.fcomi(st0, st1); });
        Assert.Equal(1, status & 1);             // FCOMI does
    }

    [Theory]
    [InlineData("zero", 0x4000)]
    [InlineData("minus-one", 0x0600)]
    [InlineData("infinity", 0x0500)]
    [InlineData("nan", 0x0300)] // 0/0 gives the real indefinite, a negative quiet NaN: C1 = 1
    [InlineData("empty", 0x4100)]
    public void Fxam_classifies_st0(string what, int expected)
    {
        var (_, status, _) = RunFpu(a =>
        {
            switch (what)
            {
                case "zero": a.fldz(); break;
                case "minus-one": a.fld1(); a.fchs(); break;
                case "infinity": a.fld1(); a.fldz(); a.fdivp(st1, st0); break;
                case "nan": a.fldz(); a.fldz(); a.fdivp(st1, st0); break;
            }
            a.fxam();
        });
        Assert.Equal(expected, status & 0x4700);
    }

    [Fact]
    public void Fbld_and_fbstp_round_trip_18_digits_exactly_and_fbstp_rounds_and_reports_overflow()
    {
        using var h = new CpuHarness();
        // -123456789012345678 in packed BCD, lowest digits first.
        byte[] bcd = [0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80];
        h.Load(0x3100, bcd);
        h.Load(0x3200, BitConverter.GetBytes(2.5));
        h.Load(0x3208, BitConverter.GetBytes(1e19));
        var r = Flat(a =>
        {
            a.fninit();
            a.fbld(__[0x3100]);
            a.fbstp(__[0x3110]);
            a.fld(__qword_ptr[0x3200]);
            a.fbstp(__[0x3120]);            // 2.5 rounds to even: 2
            a.fld(__qword_ptr[0x3208]);
            a.fbstp(__[0x3130]);            // 10^19 does not fit 18 digits
            a.fnstsw(ax);
            a.hlt();
        }, harness: h);
        Assert.Equal(bcd, h.Read(0x3110, 10));
        Assert.Equal(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, h.Read(0x3120, 10));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF }, h.Read(0x3130, 10)); // the indefinite
        Assert.Equal(1UL, r.Rax & 1);             // IE
        Assert.Equal(0UL, (r.Rax >> 11) & 7);     // every FBSTP popped
    }

    [Theory]
    [InlineData(0xF8, 10.0, 3.0, 1.0, 3)]  // fprem: q = 3
    [InlineData(0xF8, 11.0, 3.0, 2.0, 3)]
    [InlineData(0xF5, 11.0, 3.0, -1.0, 4)] // fprem1: q = round(11/3) = 4
    [InlineData(0xF8, -7.0, 2.0, -1.0, 3)]
    public void Fprem_and_fprem1_leave_the_remainder_and_the_quotients_low_bits(byte op, double a, double b, double remainder, int q)
    {
        using var h = new CpuHarness();
        h.Load(0x3100, BitConverter.GetBytes(b));
        h.Load(0x3108, BitConverter.GetBytes(a));
        var r = Flat(x =>
        {
            x.fninit();
            x.fld(__qword_ptr[0x3100]);
            x.fld(__qword_ptr[0x3108]);
            x.db(0xD9, op);
            x.fnstsw(ax);
            x.fstp(__qword_ptr[0x3000]);
            x.hlt();
        }, harness: h);
        Assert.Equal(remainder, BitConverter.ToDouble(h.Read(0x3000, 8)));
        int status = (int)r.Rax;
        int bits = ((status >> 8) & 1) << 2 | ((status >> 9) & 1) << 1 | (status >> 14) & 1; // C0, C1, C3
        Assert.Equal(q & 7, bits);
        Assert.Equal(0, status & 0x400); // C2 = 0: complete
    }

    [Fact]
    public void Transcendental_and_scaling_results()
    {
        var (v, _, _) = RunFpu(a =>
        {
            a.fldpi(); a.fld1(); a.fadd(st0, st0); a.fdivp(st1, st0); // pi/2
            a.fsin(); Store(a, 0);                                    // 1
            a.fldz(); a.fcos(); Store(a, 1);                          // 1
            a.fld1(); a.fld1(); a.fpatan(); Store(a, 2);              // atan(1/1) = pi/4
            a.fld1(); a.fld1(); a.fadd(st0, st0); a.fadd(st0, st0); a.fadd(st0, st0); a.fyl2x(); Store(a, 3); // 1 * log2(8) = 3
        });
        Assert.Equal(1.0, v[0], 15);
        Assert.Equal(1.0, v[1], 15);
        Assert.Equal(Math.PI / 4, v[2], 15);
        Assert.Equal(3.0, v[3], 15);

        (v, _, _) = RunFpu(a =>
        {
            a.fldz(); a.fsincos(); Store(a, 0); Store(a, 1);         // cos 0 = 1 on top, sin 0 = 0 below
            a.fldpi(); a.fld1(); a.fadd(st0, st0); a.fadd(st0, st0); a.fdivp(st1, st0); // pi/4
            a.fptan(); Store(a, 2); Store(a, 3);                       // 1.0 pushed, tan = 1
        });
        Assert.Equal(new[] { 1.0, 0.0, 1.0 }, v[..3]);
        Assert.Equal(1.0, v[3], 15);

        (v, _, _) = RunFpu(a =>
        {
            a.fld1(); a.fld1(); a.fadd(st0, st0); a.fadd(st0, st1); // ST0 = 3, ST1 = 1
            a.fld1(); a.fld1(); a.fadd(st0, st0); a.fdivp(st1, st0); a.fadd(st0, st2); // ST0 = 1.5, ST1 = 3
            a.fscale(); Store(a, 0);                                   // 1.5 * 2^3 = 12
            a.fstp(st0); a.fstp(st0);
            a.fld1(); a.fld1(); a.fadd(st0, st0); a.fmul(st0, st0); a.fmul(st0, st0); a.fadd(st0, st0); a.fmulp(st1, st0); // 32 (with the 1)
            a.fxtract(); Store(a, 1); Store(a, 2);                     // significand 1, exponent 5
            a.fld1(); a.fld1(); a.fadd(st0, st0); a.fdivp(st1, st0); a.f2xm1(); Store(a, 3); // 2^0.5 - 1
        });
        Assert.Equal(12.0, v[0]);
        Assert.Equal(1.0, v[1]);
        Assert.Equal(5.0, v[2]);
        Assert.Equal(Math.Sqrt(2) - 1, v[3], 15);
    }

    [Fact]
    public void Fsin_of_a_huge_operand_sets_c2_and_leaves_it()
    {
        using var h = new CpuHarness();
        h.Load(0x3100, BitConverter.GetBytes(1e19));
        var r = Flat(a =>
        {
            a.fninit();
            a.fld(__qword_ptr[0x3100]);
            a.fsin();
            a.fnstsw(ax);
            a.fstp(__qword_ptr[0x3000]);
            a.hlt();
        }, harness: h);
        Assert.Equal(0x400UL, r.Rax & 0x400);
        Assert.Equal(1e19, BitConverter.ToDouble(h.Read(0x3000, 8)));
    }

    [Fact]
    public void Ffreep_and_the_fstp_alias_d9_d8_pop()
    {
        var (v, status, _) = RunFpu(a =>
        {
            a.fld1(); a.fldpi();
            a.db(0xD9, 0xD9);        // fstp st(1), the D9 D8+i alias: ST1 = pi, pop
            Store(a, 0);             // pi
            a.fld1(); a.fldz();
            a.db(0xDF, 0xC0);        // ffreep st(0): frees the 0, pops
            Store(a, 1);             // 1
        });
        Assert.Equal(Math.PI, v[0]);
        Assert.Equal(1.0, v[1]);
        Assert.Equal(0, (status >> 11) & 7);
    }

    [Fact]
    public void Fstp_m80_keeps_all_64_mantissa_bits()
    {
        using var h = new CpuHarness();
        byte[] raw = [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xFF, 0x3F]; // 1 + 2^-63
        h.Load(0x3100, raw);
        Flat(a => { a.fninit(); a.fld(__tword_ptr[0x3100]); a.fstp(__tword_ptr[0x3200]); a.hlt(); }, harness: h);
        Assert.Equal(raw, h.Read(0x3200, 10));
    }
}
