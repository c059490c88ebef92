using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.SseHarness;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Random operands (biased to zeros, denormals, infinities, NaNs and near-equal exponents) through
/// one guest loop per instruction, against the host's own SSE unit (round to nearest, MXCSR as .NET
/// leaves it: nothing unmasked, no DAZ/FTZ), and, for the directed rounding modes, against an
/// oracle that rounds the exact double result of a single-precision product or sum.
/// </summary>
public class SseRandomTests
{
    private const int Pairs = 600;

    private static uint RandomFloat(Random rng) => rng.Next(10) switch
    {
        0 => (uint)rng.Next(0x800000) | (rng.Next(2) == 0 ? 0u : 0x80000000u),                   // denormal or zero
        1 => new uint[] { 0u, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC12345, 0x7F7FFFFF, 0x00800000 }[rng.Next(9)],
        2 or 3 or 4 => (uint)((rng.Next(2) << 31) | ((120 + rng.Next(16)) << 23) | rng.Next(0x800000)), // near 1.0
        _ => (uint)rng.NextInt64(0x1_0000_0000),
    };

    private static ulong RandomDouble(Random rng) => rng.Next(10) switch
    {
        0 => (ulong)rng.NextInt64(0x10_0000_0000_0000) | (rng.Next(2) == 0 ? 0ul : 0x8000_0000_0000_0000ul),
        1 => new ulong[] { 0ul, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0000, 0x7FF0_0000_0000_0001, 0x7FEF_FFFF_FFFF_FFFF }[rng.Next(6)],
        2 or 3 or 4 => ((ulong)rng.Next(2) << 63) | ((ulong)(1018 + rng.Next(12)) << 52) | (ulong)rng.NextInt64(0x10_0000_0000_0000),
        _ => (ulong)rng.NextInt64(long.MinValue, long.MaxValue),
    };

    /// <summary>
    /// The same hot loop of SSE arithmetic, compares, conversions and moves between XMM and general
    /// registers, run with every block translated and interpreted: identical results and MXCSR,
    /// and the translator did compile blocks (SSE instructions run in them through the interpreter).
    /// </summary>
    [Fact]
    public void A_hot_sse_loop_runs_identically_translated_and_interpreted()
    {
        var input = Input(new Random(7), single: true);
        void Body(Assembler a)
        {
            a.addps(xmm0, xmm1);
            a.mulps(xmm0, __xmmword_ptr[esi + 16]);
            a.pcmpeqb(xmm2, xmm0);
            a.pmovmskb(eax, xmm2);
            a.add(ebx, eax);
            a.comiss(xmm0, xmm1);
            a.adc(ebx, 0);
            a.cvttps2dq(xmm3, xmm1);
            a.paddd(xmm0, xmm3);
            a.movd(eax, xmm0);
            a.xor(ebx, eax);
            a.movd(xmm4, ebx);
            a.movss(xmm0, xmm4);
        }
        long blocks = 0;
        var translated = RunLoop(input, Body, setup: h => h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Always, blocks: b => blocks = b);
        var interpreted = RunLoop(input, Body, setup: h => h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Off);
        Assert.Equal(interpreted, translated);
        Assert.True(blocks > 0, "no block was translated");
    }

    /// <summary>Runs "op xmm0, [esi+16]" over <see cref="Pairs"/> 32-byte records (xmm0 from the first 16 bytes); returns the 16-byte results.</summary>
    private static byte[] RunLoop(byte[] input, Action<Assembler> op, uint mxcsr = 0x1F80, Action<CpuHarness>? setup = null, Action<long>? blocks = null)
    {
        CpuHarness? harness = null;
        var r = Run(a =>
        {
            var loop = a.CreateLabel();
            a.mov(esi, In);
            a.mov(edi, Out);
            a.mov(ecx, Pairs);
            a.Label(ref loop);
            a.movups(xmm0, __xmmword_ptr[esi]);
            a.movups(xmm1, __xmmword_ptr[esi + 16]);
            op(a);
            a.movups(__xmmword_ptr[edi], xmm0);
            a.add(esi, 32);
            a.add(edi, 16);
            a.dec(ecx);
            a.jnz(loop);
        }, input, mxcsr, setup: h => { harness = h; setup?.Invoke(h); }, outLength: Pairs * 16 + 16);
        Assert.Equal(NoFault, r.Vector);
        blocks?.Invoke((long)harness!.Vcpu.Cpu.BlocksTranslated);
        // MXCSR after the loop as the last 4 bytes: both runs must agree on the sticky flags too.
        BitConverter.GetBytes(r.Mxcsr).CopyTo(r.Out, r.Out.Length - 4);
        return r.Out;
    }

    private static byte[] Input(Random rng, bool single) =>
        Enumerable.Range(0, Pairs * (single ? 8 : 4)).SelectMany(_ => single ? BitConverter.GetBytes(RandomFloat(rng)) : BitConverter.GetBytes(RandomDouble(rng))).ToArray();

    private static Vector128<byte> At(byte[] b, int offset) => Vector128.Create(b.AsSpan(offset, 16).ToArray());

    public static TheoryData<string> SingleOps => new() { "add", "sub", "mul", "div", "sqrt", "min", "max", "cmplt", "cmpunord", "cmpnle", "cvtps2dq", "cvttps2dq", "cvtdq2ps", "cvtps2pd" };
    public static TheoryData<string> DoubleOps => new() { "add", "sub", "mul", "div", "sqrt", "min", "max", "cmple", "cvtpd2ps", "cvtpd2dq", "cvttpd2dq" };

    [Theory]
    [MemberData(nameof(SingleOps))]
    public void Packed_single_operations_match_the_host_sse_unit(string op)
    {
        if (!Sse2.IsSupported)
            return; // the oracle is the host's SSE unit
        var input = Input(new Random(op.GetHashCode() & 0xFFFF), single: true);
        var got = RunLoop(input, a =>
        {
            switch (op)
            {
                case "add": a.addps(xmm0, xmm1); break;
                case "sub": a.subps(xmm0, xmm1); break;
                case "mul": a.mulps(xmm0, xmm1); break;
                case "div": a.divps(xmm0, xmm1); break;
                case "sqrt": a.sqrtps(xmm0, xmm1); break;
                case "min": a.minps(xmm0, xmm1); break;
                case "max": a.maxps(xmm0, xmm1); break;
                case "cmplt": a.cmpps(xmm0, xmm1, 1); break;
                case "cmpunord": a.cmpps(xmm0, xmm1, 3); break;
                case "cmpnle": a.cmpps(xmm0, xmm1, 6); break;
                case "cvtps2dq": a.cvtps2dq(xmm0, xmm1); break;
                case "cvttps2dq": a.cvttps2dq(xmm0, xmm1); break;
                case "cvtdq2ps": a.cvtdq2ps(xmm0, xmm1); break;
                default: a.cvtps2pd(xmm0, xmm1); break;
            }
        });
        for (int i = 0; i < Pairs; i++)
        {
            var x = At(input, 32 * i).AsSingle();
            var y = At(input, 32 * i + 16).AsSingle();
            Vector128<byte> expected = op switch
            {
                "add" => Sse.Add(x, y).AsByte(),
                "sub" => Sse.Subtract(x, y).AsByte(),
                "mul" => Sse.Multiply(x, y).AsByte(),
                "div" => Sse.Divide(x, y).AsByte(),
                "sqrt" => Sse.Sqrt(y).AsByte(),
                "min" => Sse.Min(x, y).AsByte(),
                "max" => Sse.Max(x, y).AsByte(),
                "cmplt" => Sse.CompareLessThan(x, y).AsByte(),
                "cmpunord" => Sse.CompareUnordered(x, y).AsByte(),
                "cmpnle" => Sse.CompareNotLessThanOrEqual(x, y).AsByte(),
                "cvtps2dq" => Sse2.ConvertToVector128Int32(y).AsByte(),
                "cvttps2dq" => Sse2.ConvertToVector128Int32WithTruncation(y).AsByte(),
                "cvtdq2ps" => Sse2.ConvertToVector128Single(y.AsInt32()).AsByte(),
                _ => Sse2.ConvertToVector128Double(y).AsByte(),
            };
            expected = WithSdmNanRule(op, x.AsUInt32(), y.AsUInt32(), expected.AsUInt32()).AsByte();
            var actual = At(got, 16 * i);
            Assert.True(expected == actual, $"{op} {x.AsUInt32():x8} , {y.AsUInt32():x8}: host {expected.AsUInt32():x8}, guest {actual.AsUInt32():x8}");
        }
    }

    /// <summary>
    /// Where both lanes are NaNs the SDM returns the first source quieted; the JIT may swap the
    /// operands of a commutative host instruction, so those lanes are worked out here.
    /// </summary>
    private static Vector128<uint> WithSdmNanRule(string op, Vector128<uint> x, Vector128<uint> y, Vector128<uint> expected)
    {
        if (op is not ("add" or "mul" or "sub" or "div"))
            return expected;
        static bool IsNaN(uint v) => (v & 0x7FFFFFFF) > 0x7F800000;
        for (int i = 0; i < 4; i++)
        {
            if (IsNaN(x[i]) && IsNaN(y[i]))
                expected = expected.WithElement(i, x[i] | 0x400000);
        }
        return expected;
    }

    [Theory]
    [MemberData(nameof(DoubleOps))]
    public void Packed_double_operations_match_the_host_sse_unit(string op)
    {
        if (!Sse2.IsSupported)
            return; // the oracle is the host's SSE unit
        var input = Input(new Random(op.GetHashCode() & 0xFFFF), single: false);
        var got = RunLoop(input, a =>
        {
            switch (op)
            {
                case "add": a.addpd(xmm0, xmm1); break;
                case "sub": a.subpd(xmm0, xmm1); break;
                case "mul": a.mulpd(xmm0, xmm1); break;
                case "div": a.divpd(xmm0, xmm1); break;
                case "sqrt": a.sqrtpd(xmm0, xmm1); break;
                case "min": a.minpd(xmm0, xmm1); break;
                case "max": a.maxpd(xmm0, xmm1); break;
                case "cmple": a.cmppd(xmm0, xmm1, 2); break;
                case "cvtpd2ps": a.cvtpd2ps(xmm0, xmm1); break;
                case "cvtpd2dq": a.cvtpd2dq(xmm0, xmm1); break;
                default: a.cvttpd2dq(xmm0, xmm1); break;
            }
        });
        for (int i = 0; i < Pairs; i++)
        {
            var x = At(input, 32 * i).AsDouble();
            var y = At(input, 32 * i + 16).AsDouble();
            Vector128<ulong> expected = op switch
            {
                "add" => Sse2.Add(x, y).AsUInt64(),
                "sub" => Sse2.Subtract(x, y).AsUInt64(),
                "mul" => Sse2.Multiply(x, y).AsUInt64(),
                "div" => Sse2.Divide(x, y).AsUInt64(),
                "sqrt" => Sse2.Sqrt(y).AsUInt64(),
                "min" => Sse2.Min(x, y).AsUInt64(),
                "max" => Sse2.Max(x, y).AsUInt64(),
                "cmple" => Sse2.CompareLessThanOrEqual(x, y).AsUInt64(),
                "cvtpd2ps" => Sse2.ConvertToVector128Single(y).AsUInt64(),
                "cvtpd2dq" => Sse2.ConvertToVector128Int32(y).AsUInt64(),
                _ => Sse2.ConvertToVector128Int32WithTruncation(y).AsUInt64(),
            };
            if (op is "add" or "sub" or "mul" or "div")
            {
                for (int k = 0; k < 2; k++)
                {
                    if (double.IsNaN(x[k]) && double.IsNaN(y[k]))
                        expected = expected.WithElement(k, x.AsUInt64()[k] | 0x8_0000_0000_0000);
                }
            }
            var actual = At(got, 16 * i).AsUInt64();
            Assert.True(expected == actual, $"{op} {x.AsUInt64():x16} , {y.AsUInt64():x16}: host {expected:x16}, guest {actual:x16}");
        }
    }

    /// <summary>
    /// Directed rounding: a product of two floats is exact in double, and so is their sum when the
    /// exponents are close (the generator's "near 1.0" class); rounding that exact value towards
    /// −∞, +∞ or 0 by hand gives the expected float.
    /// </summary>
    [Theory]
    [InlineData("mul", 1)]
    [InlineData("mul", 2)]
    [InlineData("mul", 3)]
    [InlineData("add", 1)]
    [InlineData("add", 2)]
    [InlineData("add", 3)]
    public void Directed_rounding_of_products_and_sums_matches_rounding_the_exact_value(string op, int rc)
    {
        var rng = new Random(rc * 100 + op.Length);
        uint Near() => (uint)((rng.Next(2) << 31) | ((110 + rng.Next(30)) << 23) | rng.Next(0x800000));
        var input = Enumerable.Range(0, Pairs * 8).SelectMany(_ => BitConverter.GetBytes(Near())).ToArray();
        var got = RunLoop(input, a => { if (op == "mul") a.mulps(xmm0, xmm1); else a.addps(xmm0, xmm1); }, 0x1F80u | (uint)(rc << 13));
        for (int i = 0; i < Pairs * 4; i++)
        {
            int rec = i / 4, lane = i % 4;
            float x = BitConverter.ToSingle(input, 32 * rec + 4 * lane), y = BitConverter.ToSingle(input, 32 * rec + 16 + 4 * lane);
            double exact = op == "mul" ? (double)x * y : (double)x + y;
            float expected = RoundDirected(exact, rc);
            uint actual = BitConverter.ToUInt32(got, 16 * rec + 4 * lane);
            Assert.True(BitConverter.SingleToUInt32Bits(expected) == actual, $"{op} rc={rc} {x:R} {y:R}: expected {BitConverter.SingleToUInt32Bits(expected):x8}, got {actual:x8}");
        }
    }

    /// <summary>
    /// Directed rounding of double sums, products and quotients (random operands, denormals
    /// included) against exact integer arithmetic: the exact value (for a quotient, the remainder
    /// x − q·y) is compared with the host's nearest result q to find the neighbour each mode must give.
    /// </summary>
    [Theory]
    [InlineData("add", 1)]
    [InlineData("add", 2)]
    [InlineData("add", 3)]
    [InlineData("mul", 1)]
    [InlineData("mul", 2)]
    [InlineData("mul", 3)]
    [InlineData("div", 1)]
    [InlineData("div", 2)]
    [InlineData("div", 3)]
    public void Directed_rounding_of_double_sums_and_products_matches_exact_arithmetic(string op, int rc)
    {
        var rng = new Random(rc * 1000 + op.Length);
        ulong Operand() => rng.Next(4) == 0
            ? (ulong)rng.NextInt64(0x10_0000_0000_0000) | ((ulong)rng.Next(2) << 63)                       // denormal
            : ((ulong)rng.Next(2) << 63) | ((ulong)(op == "add" ? 1 + rng.Next(2040) : 500 + rng.Next(1000)) << 52) | (ulong)rng.NextInt64(0x10_0000_0000_0000);
        var input = Enumerable.Range(0, Pairs * 4).SelectMany(_ => BitConverter.GetBytes(Operand())).ToArray();
        var got = RunLoop(input, a =>
        {
            if (op == "mul") a.mulpd(xmm0, xmm1);
            else if (op == "div") a.divpd(xmm0, xmm1);
            else a.addpd(xmm0, xmm1);
        }, 0x1F80u | (uint)(rc << 13));
        int checkedLanes = 0;
        for (int i = 0; i < Pairs * 2; i++)
        {
            int rec = i / 2, lane = i % 2;
            double x = BitConverter.ToDouble(input, 32 * rec + 8 * lane), y = BitConverter.ToDouble(input, 32 * rec + 16 + 8 * lane);
            double nearest = op == "mul" ? x * y : op == "div" ? x / y : x + y;
            if (double.IsInfinity(nearest) || nearest == 0 || y == 0)
                continue;
            int error;
            if (op == "div")
            {
                // sign(x/y − q) = sign(x − q·y) · sign(y)
                var (qn, qe) = Multiply(Exact(nearest), Exact(y));
                var (dn, _) = Add(Exact(x), (-qn, qe));
                error = dn.Sign * Math.Sign(y);
            }
            else
            {
                var (n, e) = op == "mul" ? Multiply(Exact(x), Exact(y)) : Add(Exact(x), Exact(y));
                var (rn, re) = Exact(nearest);
                error = (n - (rn << (re - e))).Sign; // exact − nearest, both at 2^e (the nearest is never finer)
            }
            double expected = error == 0 ? nearest
                : rc == 1 ? (error < 0 ? Math.BitDecrement(nearest) : nearest)
                : rc == 2 ? (error > 0 ? Math.BitIncrement(nearest) : nearest)
                : (error < 0) == (nearest > 0) ? (nearest > 0 ? Math.BitDecrement(nearest) : Math.BitIncrement(nearest)) : nearest;
            if (double.IsInfinity(expected))
                continue;
            ulong actual = BitConverter.ToUInt64(got, 16 * rec + 8 * lane);
            Assert.True(BitConverter.DoubleToUInt64Bits(expected) == actual,
                $"{op} rc={rc} {BitConverter.DoubleToUInt64Bits(x):x16} {BitConverter.DoubleToUInt64Bits(y):x16}: expected {BitConverter.DoubleToUInt64Bits(expected):x16}, got {actual:x16}");
            checkedLanes++;
        }
        Assert.True(checkedLanes > Pairs, $"only {checkedLanes} lanes checked");
    }

    /// <summary>A finite double as an integer times a power of two.</summary>
    private static (System.Numerics.BigInteger N, int E) Exact(double v)
    {
        long bits = BitConverter.DoubleToInt64Bits(v);
        int biased = (int)((bits >> 52) & 0x7FF);
        long m = bits & 0xF_FFFF_FFFF_FFFF;
        if (biased != 0)
            m |= 1L << 52;
        var n = new System.Numerics.BigInteger(m);
        return (bits < 0 ? -n : n, (biased == 0 ? 1 : biased) - 1075);
    }

    private static (System.Numerics.BigInteger, int) Multiply((System.Numerics.BigInteger N, int E) a, (System.Numerics.BigInteger N, int E) b) => (a.N * b.N, a.E + b.E);

    private static (System.Numerics.BigInteger, int) Add((System.Numerics.BigInteger N, int E) a, (System.Numerics.BigInteger N, int E) b)
    {
        int e = Math.Min(a.E, b.E);
        return ((a.N << (a.E - e)) + (b.N << (b.E - e)), e);
    }

    private static float RoundDirected(double exact, int rc)
    {
        if (exact == 0)
            return rc == 1 ? -0f : 0f; // x + (-x): +0, but -0 rounding down
        float f = (float)exact;
        if (f == exact)
            return f;
        float below = f < exact ? f : MathF.BitDecrement(f), above = f > exact ? f : MathF.BitIncrement(f);
        return rc switch
        {
            1 => below,
            2 => above,
            _ => exact > 0 ? below : above,
        };
    }
}
