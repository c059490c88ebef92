using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SSE/SSE2 floating-point arithmetic and compares in their packed (PS/PD) and scalar (SS/SD) forms:
/// ADD, SUB, MUL, DIV, MIN, MAX, SQRT, RCP, RSQRT, CMPcc, COMIS/UCOMIS. Every lane goes through
/// SseFloatCore.cs; the destination is written only once all lanes passed the exception check.
/// </summary>
internal sealed partial class Cpu
{
    private enum FpInstruction { Add, Sub, Mul, Div, Min, Max, Sqrt, Reciprocal, ReciprocalSqrt, Compare }

    private static ulong Lane(Vector128<byte> v, int i, bool single) =>
        single ? v.AsUInt32().GetElement(i) : v.AsUInt64().GetElement(i);

    private static Vector128<byte> WithLane(Vector128<byte> v, int i, bool single, ulong x) =>
        single ? v.AsUInt32().WithElement(i, (uint)x).AsByte() : v.AsUInt64().WithElement(i, x).AsByte();

    /// <summary>One operation over the lanes of a packed form, or lane 0 of a scalar form (the other lanes kept).</summary>
    private void FpLanes(ref DecodedInstruction d, FpInstruction kind, bool single, bool scalar)
    {
        var src = ReadXmmOperand(ref d, 1, scalar ? (single ? 4 : 8) : 16, aligned: !scalar);
        int dst = XmmNumber(d.I.Op0Register);
        var result = Xmm(dst);
        int lanes = scalar ? 1 : single ? 4 : 2;
        int predicate = d.I.Immediate8 & 7;
        _sseRaised = 0;
        for (int i = 0; i < lanes; i++)
        {
            ulong a = Lane(result, i, single), b = Lane(src, i, single);
            ulong r = kind switch
            {
                FpInstruction.Add => FpArith(FpOp.Add, a, b, single),
                FpInstruction.Sub => FpArith(FpOp.Sub, a, b, single),
                FpInstruction.Mul => FpArith(FpOp.Mul, a, b, single),
                FpInstruction.Div => FpArith(FpOp.Div, a, b, single),
                FpInstruction.Min => FpMinMax(max: false, a, b, single),
                FpInstruction.Max => FpMinMax(max: true, a, b, single),
                FpInstruction.Sqrt => FpSqrt(b, single),
                FpInstruction.Reciprocal => FpApproximate((uint)b, sqrt: false),
                FpInstruction.ReciprocalSqrt => FpApproximate((uint)b, sqrt: true),
                _ => FpCompare(predicate, a, b, single) ? ulong.MaxValue : 0,
            };
            result = WithLane(result, i, single, r);
        }
        CommitSseExceptions();
        Xmm(dst) = result;
    }

    /// <summary>
    /// RCPPS/RSQRTPS: the SDM allows a relative error of 1.5·2⁻¹²; we return the correctly rounded
    /// value (as QEMU does), with no exceptions. Denormal inputs count as zero, as on hardware.
    /// </summary>
    private static ulong FpApproximate(uint b, bool sqrt)
    {
        if (IsNaN(b, true))
            return b | (uint)QuietBit(true);
        float x = IsDenormal(b, true) ? ((b & 0x8000_0000) != 0 ? -0f : 0f) : BitConverter.UInt32BitsToSingle(b);
        if (sqrt && x < 0)
            return IndefiniteNaN(true);
        float r = sqrt ? (float)(1.0 / Math.Sqrt(x)) : (float)(1.0 / x);
        return BitConverter.SingleToUInt32Bits(r);
    }

    /// <summary>CMPccPS/PD/SS/SD predicates 0-7: EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD; LT/LE/NLT/NLE signal on a QNaN too.</summary>
    private bool FpCompare(int predicate, ulong a, ulong b, bool single)
    {
        bool unordered = IsNaN(a, single) || IsNaN(b, single);
        double x = 0, y = 0;
        if (unordered)
        {
            if (IsSNaN(a, single) || IsSNaN(b, single) || predicate is 1 or 2 or 5 or 6)
                _sseRaised |= Mxcsr.IE;
        }
        else
        {
            x = Operand(a, single);
            y = Operand(b, single);
        }
        return predicate switch
        {
            0 => !unordered && x == y,
            1 => !unordered && x < y,
            2 => !unordered && x <= y,
            3 => unordered,
            4 => unordered || x != y,
            5 => unordered || !(x < y),
            6 => unordered || !(x <= y),
            _ => !unordered,
        };
    }

    /// <summary>COMISS/COMISD (IE on any NaN) and UCOMISS/UCOMISD (IE on an SNaN): ZF, PF, CF; OF, SF, AF cleared.</summary>
    private void FpCompareToEflags(ref DecodedInstruction d, bool single, bool signalQuietNaN)
    {
        var src = ReadXmmOperand(ref d, 1, single ? 4 : 8, aligned: false);
        ulong a = Lane(Xmm(XmmNumber(d.I.Op0Register)), 0, single), b = Lane(src, 0, single);
        _sseRaised = 0;
        uint f;
        if (IsNaN(a, single) || IsNaN(b, single))
        {
            if (signalQuietNaN || IsSNaN(a, single) || IsSNaN(b, single))
                _sseRaised |= Mxcsr.IE;
            f = Eflags.ZF | Eflags.PF | Eflags.CF;
        }
        else
        {
            double x = Operand(a, single), y = Operand(b, single);
            f = x < y ? Eflags.CF : x == y ? Eflags.ZF : 0;
        }
        CommitSseExceptions();
        Flags = (Flags & ~Eflags.Status) | f;
    }
}
