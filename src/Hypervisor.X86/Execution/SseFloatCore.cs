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
/// Limits: an FMA residue in the double denormal range can be inexact (its sign, which is all that is
/// used, is then still right except in contrived cases); an exact value between MAX + ½ulp and
/// MAX + 1ulp in a directed mode towards zero is reported as overflow.
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
                double bb = r - x;
                residue = (x - (r - bb)) + (y - bb);
                break;
            case FpOp.Mul:
                if ((double.IsInfinity(x) && y == 0) || (double.IsInfinity(y) && x == 0))
                    return Invalid(single);
                r = x * y;
                if (double.IsInfinity(x) || double.IsInfinity(y))
                    return ToBits(r, single);
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
                residue = Math.FusedMultiplyAdd(-r, y, x) * Math.Sign(y);
                break;
        }
        return RoundResult(r, double.IsFinite(r) ? Math.Sign(residue) : 0, single);
    }

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
        return RoundResult(r, Math.Sign(Math.FusedMultiplyAdd(-r, r, x)), single);
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
    /// Rounds the exact value r + ε (ε tiny, with sign <paramref name="errorSign"/>; 0 when r is exact)
    /// to the format in MXCSR.RC, with PE, UE (and FTZ) and OE.
    /// </summary>
    private ulong RoundResult(double r, int errorSign, bool single)
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
            kept--; // the exact value lies just below kept·quantum
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
