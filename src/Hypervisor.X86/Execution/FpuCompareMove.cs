using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The P6 x87 instructions that meet EFLAGS (SDM Vol. 1, 8.3.3 and 8.3.4): FCMOVcc moves ST(i) to
/// ST(0) on an integer condition, FCOMI/FUCOMI(P) compare into ZF, PF and CF.
/// </summary>
internal sealed partial class Cpu
{
    private bool ExecuteFpuCompareMove(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        switch (m)
        {
            case Mnemonic.Fcmovb: case Mnemonic.Fcmove: case Mnemonic.Fcmovbe: case Mnemonic.Fcmovu:
            case Mnemonic.Fcmovnb: case Mnemonic.Fcmovne: case Mnemonic.Fcmovnbe: case Mnemonic.Fcmovnu:
            {
                int source = StIndex(d.I.Op1Register);
                if (Tag(PhysicalIndex(0)) == TagEmpty || Tag(PhysicalIndex(source)) == TagEmpty)
                {
                    FpuInvalid(stack: true, overflow: false);
                    return true;
                }
                if (FcmovCondition(m))
                    CopySt(source, 0);
                return true;
            }
            case Mnemonic.Fcomi: case Mnemonic.Fcomip: case Mnemonic.Fucomi: case Mnemonic.Fucomip:
            {
                double a = ReadSt(0), b = ReadSt(StIndex(d.I.Op1Register));
                uint zpc;
                if (double.IsNaN(a) || double.IsNaN(b))
                {
                    zpc = Eflags.ZF | Eflags.PF | Eflags.CF;
                    if (m is Mnemonic.Fcomi or Mnemonic.Fcomip)
                        FpuInvalid(stack: false, overflow: false);
                }
                else
                {
                    zpc = a > b ? 0 : a < b ? Eflags.CF : Eflags.ZF;
                }
                Flags = (Flags & ~Eflags.Status) | zpc;
                _fpuStatus &= unchecked((ushort)~FpuC1);
                if (m is Mnemonic.Fcomip or Mnemonic.Fucomip)
                    FpuPop();
                return true;
            }
        }
        return false;
    }

    private bool FcmovCondition(Mnemonic m)
    {
        uint f = Flags;
        bool cf = (f & Eflags.CF) != 0, zf = (f & Eflags.ZF) != 0, pf = (f & Eflags.PF) != 0;
        return m switch
        {
            Mnemonic.Fcmovb => cf,
            Mnemonic.Fcmove => zf,
            Mnemonic.Fcmovbe => cf || zf,
            Mnemonic.Fcmovu => pf,
            Mnemonic.Fcmovnb => !cf,
            Mnemonic.Fcmovne => !zf,
            Mnemonic.Fcmovnbe => !cf && !zf,
            _ => !pf,
        };
    }

    /// <summary>ST(<paramref name="to"/>) = ST(<paramref name="from"/>), all 80 bits and the tag.</summary>
    private void CopySt(int from, int to)
    {
        int f = PhysicalIndex(from), t = PhysicalIndex(to);
        _fpuRegisters.AsSpan(f * 10, 10).CopyTo(_fpuRegisters.AsSpan(t * 10, 10));
        SetTag(t, Tag(f));
    }
}
