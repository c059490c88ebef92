using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.SseHarness;

namespace Hypervisor.X86.Tests;

/// <summary>
/// SSE/SSE2 floating point against the SDM's rules, with expected bits worked out by hand: MXCSR
/// rounding modes, NaN propagation and the indefinite, denormals with DAZ and FTZ, overflow,
/// conversions and their integer indefinite, COMISS flags, and #XM/#UD for unmasked exceptions.
/// </summary>
public class SseFloatTests
{
    private const uint PE = 0x20, UE = 0x10, OE = 0x08, ZE = 0x04, DE = 0x02, IE = 0x01;
    private static uint WithRounding(int rc) => 0x1F80u | (uint)(rc << 13);

    [Theory]
    [InlineData(0, false, 0x3F800000u)]
    [InlineData(1, false, 0x3F800000u)]
    [InlineData(2, false, 0x3F800001u)]
    [InlineData(3, false, 0x3F800000u)]
    [InlineData(0, true, 0xBF800000u)]
    [InlineData(1, true, 0xBF800001u)]
    [InlineData(2, true, 0xBF800000u)]
    [InlineData(3, true, 0xBF800000u)]
    public void Addss_of_a_tiny_addend_rounds_by_mxcsr_rc_and_sets_pe(int rc, bool negative, uint expected)
    {
        float s = negative ? -1 : 1;
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.addss(xmm0, __dword_ptr[In + 4]);
            a.movss(__dword_ptr[Out], xmm0);
        }, Floats(s, s * MathF.ScaleB(1, -30)), WithRounding(rc));
        Assert.Equal(NoFault, r.Vector);
        Assert.Equal(expected, r.U32(0));
        Assert.Equal(PE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 0x3FD5555555555555ul)]
    [InlineData(1, 0x3FD5555555555555ul)]
    [InlineData(2, 0x3FD5555555555556ul)]
    [InlineData(3, 0x3FD5555555555555ul)]
    public void Divsd_one_third_rounds_by_mode(int rc, ulong expected)
    {
        var r = Run(a =>
        {
            a.movsd(xmm1, __qword_ptr[In]);
            a.divsd(xmm1, __qword_ptr[In + 8]);
            a.movsd(__qword_ptr[Out], xmm1);
        }, Doubles(1, 3), WithRounding(rc));
        Assert.Equal(expected, r.U64(0));
    }

    [Fact]
    public void Nans_propagate_the_first_source_quieted_and_invalid_operations_give_the_indefinite()
    {
        var r = Run(a =>
        {
            a.movups(xmm0, __xmmword_ptr[In]);       // SNaN, 1, 0, inf
            a.movups(xmm1, __xmmword_ptr[In + 16]);  // 1, QNaN(payload 5), 0, -inf
            a.movaps(xmm2, xmm0);
            a.addps(xmm2, xmm1);
            a.movups(__xmmword_ptr[Out], xmm2);
            a.movaps(xmm3, xmm0);
            a.divps(xmm3, xmm1);
            a.movups(__xmmword_ptr[Out + 16], xmm3);
        }, [.. U32s(0x7F800001, 0x3F800000, 0, 0x7F800000), .. U32s(0x3F800000, 0x7FC00005, 0, 0xFF800000)]);
        Assert.Equal(0x7FC00001u, r.U32(0));   // SNaN quieted
        Assert.Equal(0x7FC00005u, r.U32(4));   // the second source's QNaN
        Assert.Equal(0u, r.U32(8));            // 0 + 0
        Assert.Equal(0xFFC00000u, r.U32(12));  // inf + -inf: indefinite
        Assert.Equal(0xFFC00000u, r.U32(24));  // 0 / 0
        Assert.Equal(0xFFC00000u, r.U32(28));  // inf / -inf
        Assert.Equal(IE, r.Mxcsr & 0x3F);
    }

    [Fact]
    public void Division_by_zero_sets_ze_and_gives_a_signed_infinity()
    {
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.divss(xmm0, __dword_ptr[In + 4]);
            a.movss(__dword_ptr[Out], xmm0);
        }, Floats(-2f, 0f));
        Assert.Equal(0xFF800000u, r.U32(0));
        Assert.Equal(ZE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0x1F80u, 0x00400000u, UE | PE)]   // exact denormal result from 3·2^-127·... : see inputs
    [InlineData(0x9F80u, 0x00000000u, UE | PE)]   // FTZ: a tiny result becomes zero
    public void A_tiny_inexact_product_sets_ue_and_ftz_flushes_it(uint mxcsr, uint expected, uint flags)
    {
        // 2^-126 · 0.5000001 = just above 2^-127: rounds to the denormal 0x00400000 (inexact)
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.mulss(xmm0, __dword_ptr[In + 4]);
            a.movss(__dword_ptr[Out], xmm0);
        }, U32s(0x00800000, 0x3F000001), mxcsr);
        Assert.Equal(expected, r.U32(0));
        Assert.Equal(flags, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 0x0000000000000000ul)]
    [InlineData(2, 0x0000000000000001ul)]
    [InlineData(1, 0x0000000000000000ul)]
    public void A_double_product_below_the_denormal_range_is_inexact_and_tiny(int rc, ulong expected)
    {
        var r = Run(a =>
        {
            a.movsd(xmm0, __qword_ptr[In]);
            a.mulsd(xmm0, __qword_ptr[In + 8]);
            a.movsd(__qword_ptr[Out], xmm0);
        }, Doubles(1e-200, 1e-200), WithRounding(rc));
        Assert.Equal(expected, r.U64(0));
        Assert.Equal(UE | PE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 0x7FF0000000000000ul, OE | PE)]   // MAX + half an ulp: the tie goes to the even 2^1024
    [InlineData(3, 0x7FEFFFFFFFFFFFFFul, PE)]        // towards zero: MAX, and no overflow
    [InlineData(2, 0x7FF0000000000000ul, OE | PE)]
    public void A_double_sum_just_past_the_largest_value_overflows_only_when_it_rounds_past_it(int rc, ulong expected, uint flags)
    {
        var r = Run(a =>
        {
            a.movsd(xmm0, __qword_ptr[In]);
            a.addsd(xmm0, __qword_ptr[In + 8]);
            a.movsd(__qword_ptr[Out], xmm0);
        }, Doubles(double.MaxValue, Math.ScaleB(1, 970)), WithRounding(rc));
        Assert.Equal(expected, r.U64(0));
        Assert.Equal(flags, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 0x3FF0000000000000ul)]
    [InlineData(1, 0x3FEFFFFFFFFFFFFFul)]   // just below 1.0: the binade below has twice the resolution
    [InlineData(2, 0x3FF0000000000000ul)]
    [InlineData(3, 0x3FEFFFFFFFFFFFFFul)]
    public void A_sum_just_below_a_power_of_two_rounds_down_to_the_previous_binades_last_value(int rc, ulong expected)
    {
        var r = Run(a =>
        {
            a.movsd(xmm0, __qword_ptr[In]);
            a.addsd(xmm0, __qword_ptr[In + 8]);
            a.movsd(__qword_ptr[Out], xmm0);
        }, Doubles(1.0, -Math.ScaleB(1, -60)), WithRounding(rc));
        Assert.Equal(expected, r.U64(0));
        Assert.Equal(PE, r.Mxcsr & 0x3F);
    }

    [Fact]
    public void A_double_quotient_in_the_denormal_range_rounds_by_mode()
    {
        // 2^-1070 / 3: a denormal with an inexact last bit; up rounds away from the nearest value.
        byte[] input = Doubles(Math.ScaleB(1, -1070), 3);
        ulong Quotient(int rc) => Run(a =>
        {
            a.movsd(xmm0, __qword_ptr[In]);
            a.divsd(xmm0, __qword_ptr[In + 8]);
            a.movsd(__qword_ptr[Out], xmm0);
        }, input, WithRounding(rc)).U64(0);
        Assert.Equal(5ul, Quotient(0));  // 16/3 = 5.33 units of 2^-1074
        Assert.Equal(5ul, Quotient(1));
        Assert.Equal(6ul, Quotient(2));
        Assert.Equal(5ul, Quotient(3));
    }

    [Fact]
    public void An_exact_denormal_result_sets_no_flag_and_denormal_inputs_set_de_unless_daz()
    {
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.mulss(xmm0, __dword_ptr[In + 4]);       // 2^-126 · 0.5: exact denormal
            a.movss(__dword_ptr[Out], xmm0);
        }, U32s(0x00800000, 0x3F000000));
        Assert.Equal(0x00400000u, r.U32(0));
        Assert.Equal(0u, r.Mxcsr & 0x3F);

        var de = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.addss(xmm0, __dword_ptr[In + 4]);       // denormal + 1.0
            a.movss(__dword_ptr[Out], xmm0);
        }, U32s(0x00000001, 0x3F800000));
        Assert.Equal(DE | PE, de.Mxcsr & 0x3F);

        var daz = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.addss(xmm0, __dword_ptr[In + 4]);       // denormal as zero + 0
            a.movss(__dword_ptr[Out], xmm0);
        }, U32s(0x80000001, 0x80000000), 0x1FC0);
        Assert.Equal(0x80000000u, daz.U32(0));
        Assert.Equal(0u, daz.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 0x7F800000u)]
    [InlineData(1, 0x7F7FFFFFu)]
    [InlineData(2, 0x7F800000u)]
    [InlineData(3, 0x7F7FFFFFu)]
    public void Overflow_gives_infinity_or_the_largest_finite_by_mode(int rc, uint expected)
    {
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.mulss(xmm0, __dword_ptr[In + 4]);
            a.movss(__dword_ptr[Out], xmm0);
        }, Floats(float.MaxValue, 2f), WithRounding(rc));
        Assert.Equal(expected, r.U32(0));
        Assert.Equal(OE | PE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0, 2u)]
    [InlineData(1, 2u)]
    [InlineData(2, 3u)]
    [InlineData(3, 2u)]
    public void Cvtss2si_rounds_by_mode_and_cvttss2si_truncates(int rc, uint expected)
    {
        var r = Run(a =>
        {
            a.cvtss2si(eax, __dword_ptr[In]);
            a.mov(__dword_ptr[Out], eax);
            a.cvttss2si(eax, __dword_ptr[In + 4]);
            a.mov(__dword_ptr[Out + 4], eax);
        }, Floats(2.5f, -2.75f), WithRounding(rc));
        Assert.Equal(expected, r.U32(0));
        Assert.Equal(unchecked((uint)-2), r.U32(4));
        Assert.Equal(PE, r.Mxcsr & 0x3F);
    }

    [Fact]
    public void Out_of_range_and_nan_conversions_give_the_integer_indefinite_with_ie()
    {
        var r = Run(a =>
        {
            a.cvttss2si(eax, __dword_ptr[In]);
            a.mov(__dword_ptr[Out], eax);
            a.cvtsd2si(eax, __qword_ptr[In + 8]);
            a.mov(__dword_ptr[Out + 4], eax);
            a.movups(xmm0, __xmmword_ptr[In + 16]);
            a.cvttps2dq(xmm1, xmm0);
            a.movups(__xmmword_ptr[Out + 16], xmm1);
        }, [.. Floats(3e9f, 0), .. Doubles(double.NaN), .. Floats(-2147483648f, 2147483648f, 1.5f, float.NegativeInfinity)]);
        Assert.Equal(0x80000000u, r.U32(0));
        Assert.Equal(0x80000000u, r.U32(4));
        Assert.Equal(0x80000000u, r.U32(16));
        Assert.Equal(0x80000000u, r.U32(20));
        Assert.Equal(1u, r.U32(24));
        Assert.Equal(0x80000000u, r.U32(28));
        Assert.Equal(IE | PE, r.Mxcsr & 0x3F);
    }

    [Fact]
    public void Cvtsd2ss_and_cvtps2pd_convert_with_rounding_overflow_and_nan_payloads()
    {
        var r = Run(a =>
        {
            a.cvtsd2ss(xmm0, __qword_ptr[In]);             // 1e300: overflow
            a.movss(__dword_ptr[Out], xmm0);
            a.cvtsd2ss(xmm0, __qword_ptr[In + 8]);         // 0.1
            a.movss(__dword_ptr[Out + 4], xmm0);
            a.cvtps2pd(xmm1, __qword_ptr[In + 16]);        // 0.1f, QNaN with payload
            a.movupd(__xmmword_ptr[Out + 16], xmm1);
        }, [.. Doubles(1e300, 0.1), .. U32s(0x3DCCCCCD, 0xFFC00123)]);
        Assert.Equal(0x7F800000u, r.U32(0));
        Assert.Equal(0x3DCCCCCDu, r.U32(4));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(0.1f), r.U64(16));
        Assert.Equal(0xFFF8002460000000ul, r.U64(24));
        Assert.Equal(OE | PE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(1f, 2f, 0x001u)]
    [InlineData(2f, 1f, 0x000u)]
    [InlineData(2f, 2f, 0x040u)]
    [InlineData(float.NaN, 2f, 0x045u)]
    public void Comiss_sets_zf_pf_cf_and_clears_of_sf_af(float x, float y, uint flags)
    {
        var r = Run(a =>
        {
            a.push(0x8D5); // OF SF AF PF CF set beforehand
            a.popfd();
            a.movss(xmm0, __dword_ptr[In]);
            a.ucomiss(xmm0, __dword_ptr[In + 4]);
            a.pushfd();
            a.pop(__dword_ptr[Out]);
        }, Floats(x, y));
        Assert.Equal(flags, r.U32(0) & 0x8D5);
        Assert.Equal(0u, r.Mxcsr & IE); // UCOMISS: a QNaN does not signal
    }

    [Fact]
    public void Comiss_signals_invalid_on_a_quiet_nan()
    {
        var r = Run(a =>
        {
            a.movss(xmm0, __dword_ptr[In]);
            a.comiss(xmm0, __dword_ptr[In + 4]);
        }, Floats(float.NaN, 2f));
        Assert.Equal(IE, r.Mxcsr & 0x3F);
    }

    [Theory]
    [InlineData(0x600u, 19u)]
    [InlineData(0x200u, 6u)]
    public void An_unmasked_exception_raises_xm_or_ud_and_leaves_the_destination(uint cr4, uint vector)
    {
        var r = Run(a =>
        {
            a.movups(xmm0, __xmmword_ptr[In]);
            a.movups(__xmmword_ptr[Out], xmm0);
            a.divps(xmm0, __xmmword_ptr[In + 16]);     // 0/0 in lane 1 with IM clear
            a.movups(__xmmword_ptr[Out], xmm0);
        }, [.. Floats(1, 0, 3, 4), .. Floats(1, 0, 1, 1)], mxcsr: 0x1F00, cr4Bits: cr4);
        Assert.Equal(vector, r.Vector);
        Assert.Equal(1f, BitConverter.ToSingle(r.Out, 0));
        Assert.Equal(0f, BitConverter.ToSingle(r.Out, 4));
        if (vector == 19)
            Assert.Equal(0x1F00u | IE, r.Mxcsr);
    }

    [Fact]
    public void Cmpps_predicates_give_lane_masks()
    {
        var r = Run(a =>
        {
            for (int p = 0; p < 8; p++)
            {
                a.movups(xmm0, __xmmword_ptr[In]);
                a.cmpps(xmm0, __xmmword_ptr[In + 16], (byte)p);
                a.movups(__xmmword_ptr[Out + 16 * p], xmm0);
            }
        }, [.. Floats(1, 2, 3, float.NaN), .. Floats(2, 2, 1, 0)]);
        string Mask(int p) => string.Concat(Enumerable.Range(0, 4).Select(i => r.U32(16 * p + 4 * i) == 0xFFFFFFFF ? '1' : '0'));
        Assert.Equal(["0100", "1000", "1100", "0001", "1011", "0111", "0011", "1110"], Enumerable.Range(0, 8).Select(Mask).ToArray());
        Assert.Equal(IE, r.Mxcsr & 0x3F); // LT/LE/NLT/NLE signal on the QNaN
    }

    [Fact]
    public void Minps_and_maxps_return_the_second_operand_for_nans_and_zeros()
    {
        var r = Run(a =>
        {
            a.movups(xmm0, __xmmword_ptr[In]);
            a.minps(xmm0, __xmmword_ptr[In + 16]);
            a.movups(__xmmword_ptr[Out], xmm0);
            a.movups(xmm1, __xmmword_ptr[In]);
            a.maxps(xmm1, __xmmword_ptr[In + 16]);
            a.movups(__xmmword_ptr[Out + 16], xmm1);
        }, [.. U32s(0x3F800000, 0x7FC00000, 0x80000000, 0x40000000), .. U32s(0x40000000, 0x3F800000, 0x00000000, 0x7FC00001)]);
        Assert.Equal([0x3F800000u, 0x3F800000u, 0u, 0x7FC00001u], Enumerable.Range(0, 4).Select(i => r.U32(4 * i)));
        Assert.Equal([0x40000000u, 0x3F800000u, 0u, 0x7FC00001u], Enumerable.Range(0, 4).Select(i => r.U32(16 + 4 * i)));
        Assert.Equal(IE, r.Mxcsr & 0x3F);
    }

    [Fact]
    public void Sqrtsd_and_sqrtps_round_and_negative_inputs_are_invalid()
    {
        var r = Run(a =>
        {
            a.sqrtsd(xmm0, __qword_ptr[In]);
            a.movsd(__qword_ptr[Out], xmm0);
            a.sqrtps(xmm1, __xmmword_ptr[In + 16]);
            a.movups(__xmmword_ptr[Out + 16], xmm1);
        }, [.. Doubles(2, 0), .. Floats(4, -1, -0f, 2)], WithRounding(2));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(Math.Sqrt(2)), r.U64(0)); // the nearest double is above sqrt(2): up keeps it
        Assert.Equal(2f, BitConverter.ToSingle(r.Out, 16));
        Assert.Equal(0xFFC00000u, r.U32(20));
        Assert.Equal(0x80000000u, r.U32(24));
        Assert.Equal(0x3FB504F4u, r.U32(28)); // sqrt(2)f is 0x3FB504F3 at nearest (below the exact value)
        Assert.Equal(IE | PE, r.Mxcsr & 0x3F);
    }
}
