using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Entry to the SSE and SSE2 instructions (CPUID.1:EDX bits 25 and 26): the ones that use no SSE
/// state (fences, PREFETCHh, CLFLUSH, MOVNTI) first, then the #UD/#NM checks and the group files
/// (SseMoves, SseInteger, SseShuffle, SseConvert, SseFloat). MMX is not implemented, so neither
/// are the forms with MMX registers (or CVTPI2PS/PD's m64 source): <see cref="UsesMmxRegisters"/>
/// makes them #UD, as a CPU without MMX in CPUID would.
/// </summary>
internal sealed partial class Cpu
{
    private static readonly bool[] MmxForms = BuildMmxForms();

    /// <summary>True for the encodings that name an MMX register (Iced's code names say "mm" or "mmmNN").</summary>
    private static bool UsesMmxRegisters(Code code) => MmxForms[(int)code];

    private static bool[] BuildMmxForms()
    {
        var codes = Enum.GetValues<Code>();
        var forms = new bool[codes.Length + 1];
        foreach (var c in codes)
        {
            string[] parts = c.ToString().Split('_');
            for (int i = 1; i < parts.Length; i++)
            {
                if (parts[i] == "mm" || parts[i].StartsWith("mmm", StringComparison.Ordinal))
                    forms[(int)c] = true;
            }
        }
        return forms;
    }

    private bool ExecuteSse(ref DecodedInstruction d)
    {
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Lfence: case Mnemonic.Mfence: case Mnemonic.Sfence:
            case Mnemonic.Prefetchnta: case Mnemonic.Prefetcht0: case Mnemonic.Prefetcht1: case Mnemonic.Prefetcht2:
                return true; // memory is ordered already (one thread per vCPU over TSO host stores); prefetches never fault
            case Mnemonic.Clflush:
            {
                // No caches to flush, but the line must be addressable like a byte load.
                var la = Linear(d.MemSegment, EffectiveAddress(ref d), 1, write: false);
                ProbeRead(la, 1);
                return true;
            }
            case Mnemonic.Movnti:
                WriteOp(ref d, 0, d.DataSize, ReadOp(ref d, 1, d.DataSize));
                return true;
        }
        if (!IsSseInstruction(in d.I) || UsesMmxRegisters(d.I.Code))
            return false;
        if (ExecuteSseGpr64(ref d))
            return true;
        if (NamesGpr64(in d.I))
            return false;
        CheckSseEnabled();
        _sseRaised = 0;
        if (ExecuteSseMove(ref d) || ExecuteSseInteger(ref d) || ExecuteSseShuffle(ref d) || ExecuteSseConvert(ref d))
            return true;
        return ExecuteSseFloat(ref d);
    }

    /// <summary>
    /// An SSE/SSE2 instruction (not an MMX form): it changes only XMM registers, MXCSR, general
    /// registers, EFLAGS and memory, so a block runs on after it (FastForms.ContinuesBlock) and
    /// a translated block runs it through the interpreter in place.
    /// </summary>
    public static bool ContinuesBlockAfterSse(in Instruction i) => IsSseInstruction(in i) && !UsesMmxRegisters(i.Code) && !NamesGpr64(in i);

    /// <summary>
    /// The REX.W forms with a 64-bit general register (MOVQ xmm, r64, CVTSI2SD xmm, r64,
    /// CVTSD2SI r64, ...) run in SseGpr64.cs; any other form naming one is not an SSE form this CPU
    /// knows, and ends in an internal error naming it rather than running as a 32-bit form.
    /// </summary>
    private static bool NamesGpr64(in Instruction i)
    {
        for (int op = 0; op < i.OpCount; op++)
        {
            if (i.GetOpKind(op) == OpKind.Register && i.GetOpRegister(op).IsGPR64())
                return true;
        }
        return false;
    }

    private static bool IsSseInstruction(in Instruction i)
    {
        foreach (var f in i.CpuidFeatures)
        {
            if (f is CpuidFeature.SSE or CpuidFeature.SSE2)
                return true;
        }
        return false;
    }

    private bool ExecuteSseFloat(ref DecodedInstruction d)
    {
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Addps: FpLanes(ref d, FpInstruction.Add, single: true, scalar: false); break;
            case Mnemonic.Addpd: FpLanes(ref d, FpInstruction.Add, single: false, scalar: false); break;
            case Mnemonic.Addss: FpLanes(ref d, FpInstruction.Add, single: true, scalar: true); break;
            case Mnemonic.Addsd: FpLanes(ref d, FpInstruction.Add, single: false, scalar: true); break;
            case Mnemonic.Subps: FpLanes(ref d, FpInstruction.Sub, single: true, scalar: false); break;
            case Mnemonic.Subpd: FpLanes(ref d, FpInstruction.Sub, single: false, scalar: false); break;
            case Mnemonic.Subss: FpLanes(ref d, FpInstruction.Sub, single: true, scalar: true); break;
            case Mnemonic.Subsd: FpLanes(ref d, FpInstruction.Sub, single: false, scalar: true); break;
            case Mnemonic.Mulps: FpLanes(ref d, FpInstruction.Mul, single: true, scalar: false); break;
            case Mnemonic.Mulpd: FpLanes(ref d, FpInstruction.Mul, single: false, scalar: false); break;
            case Mnemonic.Mulss: FpLanes(ref d, FpInstruction.Mul, single: true, scalar: true); break;
            case Mnemonic.Mulsd: FpLanes(ref d, FpInstruction.Mul, single: false, scalar: true); break;
            case Mnemonic.Divps: FpLanes(ref d, FpInstruction.Div, single: true, scalar: false); break;
            case Mnemonic.Divpd: FpLanes(ref d, FpInstruction.Div, single: false, scalar: false); break;
            case Mnemonic.Divss: FpLanes(ref d, FpInstruction.Div, single: true, scalar: true); break;
            case Mnemonic.Divsd: FpLanes(ref d, FpInstruction.Div, single: false, scalar: true); break;
            case Mnemonic.Minps: FpLanes(ref d, FpInstruction.Min, single: true, scalar: false); break;
            case Mnemonic.Minpd: FpLanes(ref d, FpInstruction.Min, single: false, scalar: false); break;
            case Mnemonic.Minss: FpLanes(ref d, FpInstruction.Min, single: true, scalar: true); break;
            case Mnemonic.Minsd: FpLanes(ref d, FpInstruction.Min, single: false, scalar: true); break;
            case Mnemonic.Maxps: FpLanes(ref d, FpInstruction.Max, single: true, scalar: false); break;
            case Mnemonic.Maxpd: FpLanes(ref d, FpInstruction.Max, single: false, scalar: false); break;
            case Mnemonic.Maxss: FpLanes(ref d, FpInstruction.Max, single: true, scalar: true); break;
            case Mnemonic.Maxsd: FpLanes(ref d, FpInstruction.Max, single: false, scalar: true); break;
            case Mnemonic.Sqrtps: FpLanes(ref d, FpInstruction.Sqrt, single: true, scalar: false); break;
            case Mnemonic.Sqrtpd: FpLanes(ref d, FpInstruction.Sqrt, single: false, scalar: false); break;
            case Mnemonic.Sqrtss: FpLanes(ref d, FpInstruction.Sqrt, single: true, scalar: true); break;
            case Mnemonic.Sqrtsd: FpLanes(ref d, FpInstruction.Sqrt, single: false, scalar: true); break;
            case Mnemonic.Rcpps: FpLanes(ref d, FpInstruction.Reciprocal, single: true, scalar: false); break;
            case Mnemonic.Rcpss: FpLanes(ref d, FpInstruction.Reciprocal, single: true, scalar: true); break;
            case Mnemonic.Rsqrtps: FpLanes(ref d, FpInstruction.ReciprocalSqrt, single: true, scalar: false); break;
            case Mnemonic.Rsqrtss: FpLanes(ref d, FpInstruction.ReciprocalSqrt, single: true, scalar: true); break;
            case Mnemonic.Cmpps: FpLanes(ref d, FpInstruction.Compare, single: true, scalar: false); break;
            case Mnemonic.Cmppd: FpLanes(ref d, FpInstruction.Compare, single: false, scalar: false); break;
            case Mnemonic.Cmpss: FpLanes(ref d, FpInstruction.Compare, single: true, scalar: true); break;
            case Mnemonic.Cmpsd: FpLanes(ref d, FpInstruction.Compare, single: false, scalar: true); break;
            case Mnemonic.Comiss: FpCompareToEflags(ref d, single: true, signalQuietNaN: true); break;
            case Mnemonic.Ucomiss: FpCompareToEflags(ref d, single: true, signalQuietNaN: false); break;
            case Mnemonic.Comisd: FpCompareToEflags(ref d, single: false, signalQuietNaN: true); break;
            case Mnemonic.Ucomisd: FpCompareToEflags(ref d, single: false, signalQuietNaN: false); break;
            default: return false;
        }
        return true;
    }
}
