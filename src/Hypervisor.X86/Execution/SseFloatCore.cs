using System.Numerics;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// IEEE arithmetic as SSE does it, for one lane of single (binary32) or double (binary64) values
/// held as raw bits, with MXCSR's rounding control, DAZ, FTZ and its six exception flags.
///
/// Approach: .NET has no way to run a host operation under the guest's MXCSR, so every operation is
/// computed on the host in double with round-to-nearest, giving r, plus the sign of the exact error
/// (exact value − r): TwoSum for ADD/SUB, a fused multiply-add residue for MUL, DIV and SQRT
/// (x·y − r, x − r·y, x − r·r are exact in double). A single-precision product is exact in double.
/// <see cref="RoundResult"/> then rounds "r plus that error" to the destination format (24 or 53
/// bits, gradual underflow) in the guest's rounding mode: the bits dropped are compared with half a
/// quantum, the error breaking ties and deciding directed rounding when nothing is dropped. From the
/// same walk come PE (inexact), UE (tiny before rounding; with FTZ and UE masked every tiny result
/// becomes a signed zero), and OE (a rounded magnitude beyond the format's maximum: infinity or the
/// largest finite value by mode). NaNs never reach host arithmetic: they are propagated bit-exactly
/// as SSE does (the first source's NaN, else the second's, quieted; invalid operations give the
/// "indefinite" QNaN with the sign set), and an SNaN raises IE. A denormal input raises DE, or with
/// DAZ is read as a signed zero. Flags collect in <see cref="_sseRaised"/> over all lanes and
/// <see cref="CommitSseExceptions"/> either ORs them into MXCSR or, when one is unmasked, sets them
/// and raises #XM (CR4.OSXMMEXCPT) or #UD with the destination unchanged.
/// A double product or quotient that overflows or is tiny (below 2^-960, where the residue could
/// underflow) is redone with one operand scaled by 2^∓600 (exact), so its residue is exact too, and
/// rounded at that scale; a huge sum likewise, and a tiny dividend is scaled with its divisor.
/// (A sum that is subnormal is exact, and TwoSum's error is exact down there too.)
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>Exceptions detected by the lanes of the current instruction.</summary>
    private uint _sseRaised;

    private enum FpOp { Add, Sub, Mul, Div }

    private static ulong SignBit(bool single) => single ? 0x8000_0000UL : 0x8000_0000_0000_0000UL;
    private static ulong QuietBit(bool single) => single ? 0x0040_0000UL : 0x0008_0000_0000_0000UL;
    private static ulong IndefiniteNaN(bool single) => single ? 0xFFC0_0000UL : 0xFFF8_0000_0000_0000UL;

    private static bool IsNaN(ulong v, bool single) =>
        single ? (v & 0x7FFF_FFFF) > 0x7F80_0000 : (v & 0x7FFF_FFFF_FFFF_FFFF) > 0x7FF0_0000_0000_0000;

    private static bool IsSNaN(ulong v, bool single) => IsNaN(v, single) && (v & QuietBit(single)) == 0;

    private static bool IsDenormal(ulong v, bool single) =>
        single ? (v & 0x7F80_0000) == 0 && (v & 0x007F_FFFF) != 0
               : (v & 0x7FF0_0000_0000_0000) == 0 && (v & 0x000F_FFFF_FFFF_FFFF) != 0;

    private static double ToDouble(ulong v, bool single) =>
        single ? BitConverter.UInt32BitsToSingle((uint)v) : BitConverter.UInt64BitsToDouble(v);

    /// <summary>The bits of a value exactly representable in the format.</summary>
    private static ulong ToBits(double x, bool single) =>
        single ? BitConverter.SingleToUInt32Bits((float)x) : BitConverter.DoubleToUInt64Bits(x);

    /// <summary>A non-NaN input: DE for a denormal, or with MXCSR.DAZ a signed zero (no flag).</summary>
    private double Operand(ulong v, bool single, bool flagDenormal = true)
    {
        if (IsDenormal(v, single))
        {
            if ((_mxcsr & Mxcsr.DAZ) != 0)
                return (v & SignBit(single)) != 0 ? -0.0 : 0.0;
            if (flagDenormal)
                _sseRaised |= Mxcsr.DE;
        }
        return ToDouble(v, single);
    }

    /// <summary>SSE's two-operand NaN rule: the first source's NaN, else the second's, quieted; IE for an SNaN.</summary>
    private bool TryPropagateNaN(ulong a, ulong b, bool single, out ulong result)
    {
        bool an = IsNaN(a, single), bn = IsNaN(b, single);
        result = 0;
        if (!an && !bn)
            return false;
        if (IsSNaN(a, single) || IsSNaN(b, single))
            _sseRaised |= Mxcsr.IE;
        result = (an ? a : b) | QuietBit(single);
        return true;
    }

    private ulong Invalid(bool single)
    {
        _sseRaised |= Mxcsr.IE;
        return IndefiniteNaN(single);
    }

    private ulong FpArith(FpOp op, ulong a, ulong b, bool single)
    {
        if (TryPropagateNaN(a, b, single, out ulong nan))
            return nan;
        double x = Operand(a, single), y = Operand(b, single);
        double r, residue;
        int scale = 0; // the exact result is (r + residue) · 2^scale
        switch (op)
        {
            case FpOp.Add:
            case FpOp.Sub:
                if (op == FpOp.Sub)
                    y = -y;
                if (double.IsInfinity(x) || double.IsInfinity(y))
                    return double.IsInfinity(x) && double.IsInfinity(y) && x != y ? Invalid(single) : ToBits(x + y, single);
                r = x + y;
                if (r == 0 && !(x == 0 && y == 0 && double.IsNegative(x) == double.IsNegative(y)))
                    return ToBits(Rounding == SseRounding.Down ? -0.0 : 0.0, single); // exact zero sum of opposite signs
                if (double.IsInfinity(r))
                {
                    // Both operands are huge (the smaller at least half an ulp of the largest double): exact at 2^-600.
                    x = Math.ScaleB(x, -ScaleStep);
                    y = Math.ScaleB(y, -ScaleStep);
                    r = x + y;
                    scale = ScaleStep;
                }
                double bb = r - x;
                residue = (x - (r - bb)) + (y - bb);
                break;
            case FpOp.Mul:
                if ((double.IsInfinity(x) && y == 0) || (double.IsInfinity(y) && x == 0))
                    return Invalid(single);
                r = x * y;
                if (double.IsInfinity(x) || double.IsInfinity(y))
                    return ToBits(r, single);
                scale = OutOfNormalRange(r, x != 0 && y != 0);
                if (scale != 0)
                {
                    // An overflowing or tiny product: scale the larger operand so the residue is exact.
                    if (Math.Abs(x) >= Math.Abs(y)) x = Math.ScaleB(x, -scale); else y = Math.ScaleB(y, -scale);
                    r = x * y;
                }
                residue = Math.FusedMultiplyAdd(x, y, -r);
                break;
            default:
                if ((x == 0 && y == 0) || (double.IsInfinity(x) && double.IsInfinity(y)))
                    return Invalid(single);
                if (y == 0)
                {
                    _sseRaised |= Mxcsr.ZE;
                    return ToBits(x / y, single);
                }
                r = x / y;
                if (double.IsInfinity(x) || double.IsInfinity(y))
                    return ToBits(r, single);
                scale = OutOfNormalRange(r, x != 0);
                if (scale != 0)
                {
                    x = Math.ScaleB(x, -scale);
                    r = x / y;
                }
                else if (x != 0 && Math.Abs(x) < ResidueExactBound)
                {
                    // A tiny dividend over a tiny divisor: the quotient is unchanged by scaling both.
                    x = Math.ScaleB(x, ScaleStep);
                    y = Math.ScaleB(y, ScaleStep);
                }
                residue = Math.FusedMultiplyAdd(-r, y, x) * SignOf(y);
                break;
        }
        return RoundResult(r, double.IsFinite(r) ? SignOf(residue) : 0, single, scale);
    }

    /// <summary>-1, 0 or 1 (0 for a NaN, which no caller should produce: never a host exception).</summary>
    private static int SignOf(double v) => v > 0 ? 1 : v < 0 ? -1 : 0;

    /// <summary>How far results are scaled when the double result overflowed or is tiny (its residue would not be exact).</summary>
    private const int ScaleStep = 600;
    /// <summary>2^-960: below it a residue (an FMA's exact product minus the result) could fall under double's normal range.</summary>
    private static readonly double ResidueExactBound = Math.ScaleB(1.0, -960);

    /// <summary>
    /// For a double product or quotient: +<see cref="ScaleStep"/> when it overflowed, −ScaleStep
    /// when the exact value (nonzero) is so small that its residue might not be exact, else 0.
    /// Single-precision operations never come near either end of double's range.
    /// </summary>
    private static int OutOfNormalRange(double r, bool exactIsNonzero) =>
        double.IsInfinity(r) ? ScaleStep
        : exactIsNonzero && Math.Abs(r) < ResidueExactBound ? -ScaleStep
        : 0;

    private ulong FpSqrt(ulong b, bool single)
    {
        if (IsNaN(b, single))
        {
            if (IsSNaN(b, single))
                _sseRaised |= Mxcsr.IE;
            return b | QuietBit(single);
        }
        double x = Operand(b, single);
        if (x == 0 || double.IsPositiveInfinity(x))
            return ToBits(x, single);
        if (x < 0)
            return Invalid(single);
        double r = Math.Sqrt(x);
        return RoundResult(r, SignOf(Math.FusedMultiplyAdd(-r, r, x)), single);
    }

    /// <summary>MIN/MAX: the second source when either is a NaN (IE, even for a QNaN) or both are zeros.</summary>
    private ulong FpMinMax(bool max, ulong a, ulong b, bool single)
    {
        if (IsNaN(a, single) || IsNaN(b, single))
        {
            _sseRaised |= Mxcsr.IE;
            return b;
        }
        double x = Operand(a, single), y = Operand(b, single);
        return max ? (x > y ? ToBits(x, single) : ToBits(y, single)) : (x < y ? ToBits(x, single) : ToBits(y, single));
    }

    /// <summary>
    /// Rounds the exact value (r + ε)·2^<paramref name="scale"/> (ε tiny, with sign
    /// <paramref name="errorSign"/>; 0 when r is exact) to the format in MXCSR.RC, with PE, UE (and FTZ) and OE.
    /// </summary>
    private ulong RoundResult(double r, int errorSign, bool single, int scale = 0)
    {
        bool negative = double.IsNegative(r);
        if (double.IsInfinity(r))
            return Overflow(negative, single);
        if (r == 0 && errorSign == 0)
            return ToBits(r, single);
        int precision = single ? 24 : 53, minExponent = single ? -126 : -1022, minQuantum = single ? -149 : -1074;
        ulong bits = BitConverter.DoubleToUInt64Bits(r);
        int biased = (int)((bits >> 52) & 0x7FF);
        ulong m = bits & 0x000F_FFFF_FFFF_FFFFUL;
        int q = -1074;
        if (biased != 0)
        {
            m |= 1UL << 52;
            q = biased - 1075;
        }
        q += scale;
        int magnitudeError = negative ? -errorSign : errorSign; // sign of |exact| − |r|
        int msb = m == 0 ? minQuantum : q + 63 - BitOperations.LeadingZeroCount(m);
        bool tiny = msb < minExponent || (msb == minExponent && (m & (m - 1)) == 0 && magnitudeError < 0);
        int targetQuantum = Math.Max(msb - (precision - 1), minQuantum);
        int shift = targetQuantum - q;
        ulong kept, dropped;
        if (shift >= 64) { kept = 0; dropped = m; }
        else if (shift == 0) { kept = m; dropped = 0; }
        else { kept = m >> shift; dropped = m & ((1UL << shift) - 1); }
        bool inexact = dropped != 0 || errorSign != 0;
        int versusHalf; // the discarded part against half a quantum
        if (dropped == 0 && magnitudeError < 0 && kept != 0)
        {
            // The exact value lies just below kept·quantum: step down one unit, which is half a
            // quantum when kept starts a binade (the one below has twice the resolution).
            if ((kept & (kept - 1)) == 0 && targetQuantum > minQuantum)
            {
                kept = 2 * kept;
                targetQuantum--;
            }
            kept--;
            versusHalf = 1;
        }
        else if (shift == 0 || shift >= 64)
            versusHalf = -1;
        else
        {
            int c = dropped.CompareTo(1UL << (shift - 1));
            versusHalf = c != 0 ? c : magnitudeError;
        }
        if (inexact)
        {
            bool up = Rounding switch
            {
                SseRounding.Nearest => versusHalf > 0 || (versusHalf == 0 && (kept & 1) != 0),
                SseRounding.Up => !negative,
                SseRounding.Down => negative,
                _ => false,
            };
            if (up)
                kept++;
        }
        double magnitude = Math.ScaleB((double)kept, targetQuantum);
        if (single ? magnitude > float.MaxValue : double.IsInfinity(magnitude))
            return Overflow(negative, single);
        if (tiny)
        {
            bool underflowMasked = (_mxcsr & (Mxcsr.UE << Mxcsr.MaskShift)) != 0;
            if (underflowMasked && (_mxcsr & Mxcsr.FZ) != 0)
            {
                _sseRaised |= Mxcsr.UE | Mxcsr.PE;
                return negative ? SignBit(single) : 0;
            }
            if (inexact || !underflowMasked)
                _sseRaised |= Mxcsr.UE;
        }
        if (inexact)
            _sseRaised |= Mxcsr.PE;
        return ToBits(negative ? -magnitude : magnitude, single);
    }

    /// <summary>OE and PE; infinity, or the largest finite value when the mode rounds towards zero for this sign.</summary>
    private ulong Overflow(bool negative, bool single)
    {
        _sseRaised |= Mxcsr.OE | Mxcsr.PE;
        bool toInfinity = Rounding switch
        {
            SseRounding.Nearest => true,
            SseRounding.Up => !negative,
            SseRounding.Down => negative,
            _ => false,
        };
        double m = toInfinity ? double.PositiveInfinity : single ? float.MaxValue : double.MaxValue;
        return ToBits(negative ? -m : m, single);
    }

    /// <summary>
    /// Ends a floating-point instruction: with every raised exception masked the flags are ORed into
    /// MXCSR; otherwise MXCSR gets them (only the pre-computation ones if one of those is unmasked)
    /// and the instruction faults with #XM, or #UD while CR4.OSXMMEXCPT = 0, before writing anything.
    /// </summary>
    private void CommitSseExceptions()
    {
        uint raised = _sseRaised;
        _sseRaised = 0;
        if (raised == 0)
            return;
        uint unmasked = raised & ~(_mxcsr >> Mxcsr.MaskShift) & Mxcsr.Flags;
        if (unmasked != 0)
        {
            if ((unmasked & Mxcsr.PreComputation) != 0)
                raised &= Mxcsr.PreComputation;
            _mxcsr |= raised;
            throw (Cr4 & ControlBits.Cr4OSXMMEXCPT) != 0 ? Fault(Vector.XM) : UD();
        }
        _mxcsr |= raised;
    }
}
