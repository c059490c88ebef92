using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The SSE2 forms with a 64-bit integer operand (REX.W, 64-bit mode): MOVQ between an XMM register
/// and r/m64, CVTSI2SS/CVTSI2SD from r/m64, CVT(T)SS2SI/CVT(T)SD2SI to r64. Out-of-range and NaN
/// conversions give the 64-bit integer indefinite 0x8000000000000000 with IE.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>True when <paramref name="d"/> is one of the REX.W integer forms and has run.</summary>
    private bool ExecuteSseGpr64(ref DecodedInstruction d)
    {
        switch (d.I.Code)
        {
            case Code.Movq_xmm_rm64:
                CheckSseEnabled();
                Xmm(XmmNumber(d.I.Op0Register)) = Vector128.CreateScalar(ReadOp(ref d, 1, 8)).AsByte();
                return true;
            case Code.Movq_rm64_xmm:
                CheckSseEnabled();
                WriteOp(ref d, 0, 8, Xmm(XmmNumber(d.I.Op1Register)).AsUInt64().ToScalar());
                return true;
            case Code.Cvtsi2ss_xmm_rm64:
            case Code.Cvtsi2sd_xmm_rm64:
            {
                CheckSseEnabled();
                _sseRaised = 0;
                bool single = d.I.Code == Code.Cvtsi2ss_xmm_rm64;
                ulong r = Int64ToFp((long)ReadOp(ref d, 1, 8), single);
                CommitSseExceptions();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = WithLane(x, 0, single, r);
                return true;
            }
            case Code.Cvtss2si_r64_xmmm32: ToGpr64(ref d, single: true, truncate: false); return true;
            case Code.Cvttss2si_r64_xmmm32: ToGpr64(ref d, single: true, truncate: true); return true;
            case Code.Cvtsd2si_r64_xmmm64: ToGpr64(ref d, single: false, truncate: false); return true;
            case Code.Cvttsd2si_r64_xmmm64: ToGpr64(ref d, single: false, truncate: true); return true;
        }
        return false;
    }

    private void ToGpr64(ref DecodedInstruction d, bool single, bool truncate)
    {
        CheckSseEnabled();
        _sseRaised = 0;
        ulong v = Lane(ReadXmmOperand(ref d, 1, single ? 4 : 8, aligned: false), 0, single);
        ulong r = FpToInteger(v, single, truncate, 64);
        CommitSseExceptions();
        WriteReg(d.I.Op0Register, r);
    }

    /// <summary>An int64 to float or double, rounded by MXCSR.RC (PE when inexact).</summary>
    private ulong Int64ToFp(long v, bool single)
    {
        double x = v; // the host's round-to-nearest; the sign of what it dropped decides directed rounding
        int errorSign = ((Int128)v - (Int128)x).CompareTo(Int128.Zero);
        return RoundResult(x, errorSign, single);
    }
}
