using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SSE/SSE2 conversions (CVT*, CVTT*) between single, double and 32-bit integers, in XMM registers
/// and from/to general registers. Out-of-range and NaN conversions to integers give the integer
/// indefinite 0x80000000 with IE; CVT rounds by MXCSR.RC, CVTT truncates. The MMX-register forms
/// (CVTPI2PS, CVTPS2PI, ...) are not implemented: MMX is not advertised (see Describe.cs).
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>A float or double to int32 (IE and PE; no DE; DAZ reads a denormal as zero).</summary>
    private uint FpToInt32(ulong v, bool single, bool truncate) => (uint)FpToInteger(v, single, truncate, 32);

    /// <summary>
    /// A float or double to a signed integer of <paramref name="bits"/> (32 or 64), rounded by MXCSR.RC
    /// or truncated; NaN and out of range give the integer indefinite (the sign bit alone) with IE.
    /// </summary>
    private ulong FpToInteger(ulong v, bool single, bool truncate, int bits)
    {
        ulong indefinite = 1UL << (bits - 1);
        if (IsNaN(v, single))
        {
            _sseRaised |= Mxcsr.IE;
            return indefinite;
        }
        double x = Operand(v, single, flagDenormal: false);
        double r = truncate ? Math.Truncate(x) : Rounding switch
        {
            SseRounding.Nearest => Math.Round(x, MidpointRounding.ToEven),
            SseRounding.Down => Math.Floor(x),
            SseRounding.Up => Math.Ceiling(x),
            _ => Math.Truncate(x),
        };
        // r is integral: in range means [-2^(bits-1), 2^(bits-1)).
        double limit = Math.ScaleB(1.0, bits - 1);
        if (!(r >= -limit && r < limit))
        {
            _sseRaised |= Mxcsr.IE;
            return indefinite;
        }
        if (r != x)
            _sseRaised |= Mxcsr.PE;
        return (ulong)(long)r & SizeMask(bits / 8);
    }

    /// <summary>An int32 to float (rounded by MXCSR.RC, PE) or double (exact).</summary>
    private ulong Int32ToFp(uint v, bool single) =>
        single ? RoundResult((int)v, 0, single: true) : BitConverter.DoubleToUInt64Bits((int)v);

    /// <summary>Single to double (exact; DE, IE for an SNaN) or double to single (rounded: OE, UE, PE as any result).</summary>
    private ulong FpToFp(ulong v, bool fromSingle)
    {
        if (IsNaN(v, fromSingle))
        {
            if (IsSNaN(v, fromSingle))
                _sseRaised |= Mxcsr.IE;
            // The payload keeps its top bits: shifted up 29 bits, or cut down by 29 (quieted either way).
            return fromSingle
                ? ((v & 0x8000_0000) << 32) | 0x7FF8_0000_0000_0000UL | ((v & 0x003F_FFFF) << 29)
                : ((v >> 32) & 0x8000_0000) | 0x7FC0_0000 | ((v >> 29) & 0x003F_FFFF);
        }
        double x = Operand(v, fromSingle);
        if (fromSingle)
            return BitConverter.DoubleToUInt64Bits(x);
        return double.IsInfinity(x) ? ToBits(x, single: true) : RoundResult(x, 0, single: true);
    }

    private bool ExecuteSseConvert(ref DecodedInstruction d)
    {
        _sseRaised = 0;
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Cvtsi2ss:
            case Mnemonic.Cvtsi2sd:
            {
                bool single = d.I.Mnemonic == Mnemonic.Cvtsi2ss;
                ulong r = Int32ToFp((uint)ReadOp(ref d, 1, 4), single);
                CommitSseExceptions();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = WithLane(x, 0, single, r);
                return true;
            }
            case Mnemonic.Cvtss2si: ToGpr(ref d, single: true, truncate: false); return true;
            case Mnemonic.Cvttss2si: ToGpr(ref d, single: true, truncate: true); return true;
            case Mnemonic.Cvtsd2si: ToGpr(ref d, single: false, truncate: false); return true;
            case Mnemonic.Cvttsd2si: ToGpr(ref d, single: false, truncate: true); return true;
            case Mnemonic.Cvtss2sd:
            case Mnemonic.Cvtsd2ss:
            {
                bool fromSingle = d.I.Mnemonic == Mnemonic.Cvtss2sd;
                ulong r = FpToFp(Lane(ReadXmmOperand(ref d, 1, fromSingle ? 4 : 8, aligned: false), 0, fromSingle), fromSingle);
                CommitSseExceptions();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = WithLane(x, 0, !fromSingle, r);
                return true;
            }
            case Mnemonic.Cvtps2pd: Packed(ref d, PackedConversion.SingleToDouble); return true;
            case Mnemonic.Cvtpd2ps: Packed(ref d, PackedConversion.DoubleToSingle); return true;
            case Mnemonic.Cvtdq2ps: Packed(ref d, PackedConversion.Int32ToSingle); return true;
            case Mnemonic.Cvtdq2pd: Packed(ref d, PackedConversion.Int32ToDouble); return true;
            case Mnemonic.Cvtps2dq: Packed(ref d, PackedConversion.SingleToInt32); return true;
            case Mnemonic.Cvttps2dq: Packed(ref d, PackedConversion.SingleToInt32Truncated); return true;
            case Mnemonic.Cvtpd2dq: Packed(ref d, PackedConversion.DoubleToInt32); return true;
            case Mnemonic.Cvttpd2dq: Packed(ref d, PackedConversion.DoubleToInt32Truncated); return true;
        }
        return false;
    }

    /// <summary>CVT(T)SS2SI/CVT(T)SD2SI r32.</summary>
    private void ToGpr(ref DecodedInstruction d, bool single, bool truncate)
    {
        ulong v = Lane(ReadXmmOperand(ref d, 1, single ? 4 : 8, aligned: false), 0, single);
        uint r = FpToInt32(v, single, truncate);
        CommitSseExceptions();
        WriteReg(d.I.Op0Register, r);
    }

    private enum PackedConversion
    {
        SingleToDouble, DoubleToSingle, Int32ToSingle, Int32ToDouble,
        SingleToInt32, SingleToInt32Truncated, DoubleToInt32, DoubleToInt32Truncated,
    }

    /// <summary>
    /// The packed conversions. Two-lane sources (CVTPS2PD, CVTDQ2PD) read 8 bytes of memory unaligned;
    /// two-lane results (CVTPD2PS, CVT(T)PD2DQ) clear the upper half.
    /// </summary>
    private void Packed(ref DecodedInstruction d, PackedConversion kind)
    {
        bool halfSource = kind is PackedConversion.SingleToDouble or PackedConversion.Int32ToDouble;
        var src = ReadXmmOperand(ref d, 1, halfSource ? 8 : 16, aligned: !halfSource);
        Vector128<byte> r = default;
        switch (kind)
        {
            case PackedConversion.SingleToDouble:
            case PackedConversion.Int32ToDouble:
                for (int i = 0; i < 2; i++)
                {
                    ulong v = Lane(src, i, true);
                    r = WithLane(r, i, false, kind == PackedConversion.Int32ToDouble ? Int32ToFp((uint)v, false) : FpToFp(v, fromSingle: true));
                }
                break;
            case PackedConversion.DoubleToSingle:
            case PackedConversion.DoubleToInt32:
            case PackedConversion.DoubleToInt32Truncated:
                for (int i = 0; i < 2; i++)
                {
                    ulong v = Lane(src, i, false);
                    r = WithLane(r, i, true, kind == PackedConversion.DoubleToSingle ? FpToFp(v, fromSingle: false)
                        : FpToInt32(v, single: false, truncate: kind == PackedConversion.DoubleToInt32Truncated));
                }
                break;
            default:
                for (int i = 0; i < 4; i++)
                {
                    ulong v = Lane(src, i, true);
                    r = WithLane(r, i, true, kind == PackedConversion.Int32ToSingle ? Int32ToFp((uint)v, true)
                        : FpToInt32(v, single: true, truncate: kind == PackedConversion.SingleToInt32Truncated));
                }
                break;
        }
        CommitSseExceptions();
        Xmm(XmmNumber(d.I.Op0Register)) = r;
    }
}
