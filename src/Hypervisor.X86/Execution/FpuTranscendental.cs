using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// x87 transcendental and scaling instructions (SDM Vol. 1, 8.3.6-8.3.9): F2XM1, FYL2X, FYL2XP1,
/// FSIN, FCOS, FSINCOS, FPTAN, FPATAN, FPREM, FPREM1, FSCALE, FXTRACT, in double precision.
/// FPREM/FPREM1 reduce completely in one step (C2 = 0), which software looping on C2 accepts.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>FSIN, FCOS, FSINCOS and FPTAN leave operands of magnitude 2^63 or more alone and set C2.</summary>
    private const double TrigonometricLimit = 9223372036854775808.0;

    private bool ExecuteFpuTranscendental(ref DecodedInstruction d)
    {
        switch (d.I.Mnemonic)
        {
            case Mnemonic.F2xm1: WriteSt(0, double.Exp2M1(ReadSt(0))); break;
            case Mnemonic.Fyl2x: FpuBinaryPop((x, y) => y * Math.Log2(x), x => x < 0); break;
            case Mnemonic.Fyl2xp1: FpuBinaryPop((x, y) => y * double.Log2P1(x), x => x < -1); break;
            case Mnemonic.Fpatan: FpuBinaryPop((x, y) => Math.Atan2(y, x), _ => false); break;
            case Mnemonic.Fsin: Trigonometric(Math.Sin, push: null); break;
            case Mnemonic.Fcos: Trigonometric(Math.Cos, push: null); break;
            case Mnemonic.Fsincos: Trigonometric(Math.Sin, push: Math.Cos); break;
            case Mnemonic.Fptan: Trigonometric(Math.Tan, push: _ => 1.0); break;
            case Mnemonic.Fprem: PartialRemainder(nearest: false); break;
            case Mnemonic.Fprem1: PartialRemainder(nearest: true); break;
            case Mnemonic.Fscale:
            {
                double a = ReadSt(0), scale = Math.Truncate(ReadSt(1));
                int n = double.IsNaN(scale) ? 0 : (int)Math.Clamp(scale, -100000, 100000);
                WriteSt(0, double.IsNaN(scale) ? double.NaN : Math.ScaleB(a, n));
                break;
            }
            case Mnemonic.Fxtract:
            {
                double a = ReadSt(0);
                if (a == 0)
                {
                    _fpuStatus |= FpuZE;
                    WriteSt(0, double.NegativeInfinity);
                    FpuPush(a);
                    break;
                }
                bool finite = double.IsFinite(a);
                int exponent = finite ? Math.ILogB(a) : 0;
                WriteSt(0, finite ? exponent : double.IsNaN(a) ? a : double.PositiveInfinity);
                FpuPush(finite ? Math.ScaleB(a, -exponent) : a);
                break;
            }
            default:
                return false;
        }
        return true;
    }

    /// <summary>ST(1) = f(ST(0), ST(1)), then pop; <paramref name="invalid"/> marks a domain error on ST(0).</summary>
    private void FpuBinaryPop(Func<double, double, double> f, Func<double, bool> invalid)
    {
        double x = ReadSt(0), y = ReadSt(1);
        if (invalid(x))
            FpuInvalid(stack: false, overflow: false);
        WriteSt(1, f(x, y));
        FpuPop();
    }

    /// <summary>ST(0) = f(ST(0)), then pushes <paramref name="push"/>(x) when given; C2 = 1 leaves an out-of-range operand.</summary>
    private void Trigonometric(Func<double, double> f, Func<double, double>? push)
    {
        double x = ReadSt(0);
        _fpuStatus &= unchecked((ushort)~(FpuC1 | FpuC2));
        if (double.IsInfinity(x))
        {
            FpuInvalid(stack: false, overflow: false);
            x = double.NaN;
        }
        else if (Math.Abs(x) >= TrigonometricLimit)
        {
            _fpuStatus |= FpuC2;
            return;
        }
        WriteSt(0, f(x));
        if (push != null)
            FpuPush(push(x));
    }

    /// <summary>
    /// ST(0) = ST(0) - Q * ST(1), Q the quotient truncated (FPREM) or rounded to nearest (FPREM1);
    /// C0, C3, C1 = Q's bits 2, 0, 1.
    /// </summary>
    private void PartialRemainder(bool nearest)
    {
        double a = ReadSt(0), b = ReadSt(1);
        _fpuStatus &= unchecked((ushort)~(FpuC0 | FpuC1 | FpuC2 | FpuC3));
        if (double.IsNaN(a) || double.IsNaN(b) || double.IsInfinity(a) || b == 0)
        {
            if (!double.IsNaN(a) && !double.IsNaN(b))
                FpuInvalid(stack: false, overflow: false);
            WriteSt(0, double.NaN);
            return;
        }
        double r = nearest ? Math.IEEERemainder(a, b) : a % b;
        double q = double.IsInfinity(b) ? 0 : Math.Abs(Math.Round((a - r) / b));
        int low = (int)(q % 8);
        if ((low & 4) != 0) _fpuStatus |= FpuC0;
        if ((low & 2) != 0) _fpuStatus |= FpuC1;
        if ((low & 1) != 0) _fpuStatus |= FpuC3;
        WriteSt(0, r == 0 ? Math.CopySign(0, a) : r);
    }
}
