using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SSE/SSE2 shifts, shuffles, unpacks and packs on XMM registers: PSLL/PSRL/PSRA by xmm/m128 or
/// imm8, PSLLDQ/PSRLDQ, PSHUFD/HW/LW, SHUFPS/PD, UNPCKL/H PS/PD, PUNPCKL/H BW/WD/DQ/QDQ and
/// PACKSSWB/PACKSSDW/PACKUSWB.
/// </summary>
internal sealed partial class Cpu
{
    private bool ExecuteSseShuffle(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        switch (m)
        {
            case Mnemonic.Psllw: case Mnemonic.Pslld: case Mnemonic.Psllq:
            case Mnemonic.Psrlw: case Mnemonic.Psrld: case Mnemonic.Psrlq:
            case Mnemonic.Psraw: case Mnemonic.Psrad:
            {
                ulong count = d.I.Op1Kind == OpKind.Immediate8 ? d.I.Immediate8
                    : ReadXmmOperand(ref d, 1, 16, aligned: true).AsUInt64().ToScalar();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = Shift(m, x, count);
                return true;
            }
            case Mnemonic.Pslldq: case Mnemonic.Psrldq:
            {
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                int n = Math.Min((int)d.I.Immediate8, 16);
                Vector128<byte> r = default;
                for (int i = 0; i < 16; i++)
                {
                    int from = m == Mnemonic.Pslldq ? i - n : i + n;
                    if ((uint)from < 16)
                        r = r.WithElement(i, x.GetElement(from));
                }
                x = r;
                return true;
            }
            case Mnemonic.Pshufd: case Mnemonic.Pshufhw: case Mnemonic.Pshuflw:
            {
                var s = ReadXmmOperand(ref d, 1, 16, aligned: true);
                int imm = d.I.Immediate8;
                Vector128<byte> r;
                if (m == Mnemonic.Pshufd)
                {
                    var v = s.AsUInt32();
                    r = Vector128.Create(v.GetElement(imm & 3), v.GetElement((imm >> 2) & 3), v.GetElement((imm >> 4) & 3), v.GetElement(imm >> 6)).AsByte();
                }
                else
                {
                    var w = s.AsUInt16();
                    int at = m == Mnemonic.Pshufhw ? 4 : 0;
                    for (int i = 0; i < 4; i++)
                        w = w.WithElement(at + i, s.AsUInt16().GetElement(at + ((imm >> (2 * i)) & 3)));
                    r = w.AsByte();
                }
                Xmm(XmmNumber(d.I.Op0Register)) = r;
                return true;
            }
            case Mnemonic.Shufps:
            {
                var b = ReadXmmOperand(ref d, 1, 16, aligned: true).AsUInt32();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                var a = x.AsUInt32();
                int imm = d.I.Immediate8;
                x = Vector128.Create(a.GetElement(imm & 3), a.GetElement((imm >> 2) & 3), b.GetElement((imm >> 4) & 3), b.GetElement(imm >> 6)).AsByte();
                return true;
            }
            case Mnemonic.Shufpd:
            {
                var b = ReadXmmOperand(ref d, 1, 16, aligned: true).AsUInt64();
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                int imm = d.I.Immediate8;
                x = Vector128.Create(x.AsUInt64().GetElement(imm & 1), b.GetElement((imm >> 1) & 1)).AsByte();
                return true;
            }
            case Mnemonic.Unpcklps: case Mnemonic.Punpckldq: Interleave(ref d, 4, high: false); return true;
            case Mnemonic.Unpckhps: case Mnemonic.Punpckhdq: Interleave(ref d, 4, high: true); return true;
            case Mnemonic.Unpcklpd: case Mnemonic.Punpcklqdq: Interleave(ref d, 8, high: false); return true;
            case Mnemonic.Unpckhpd: case Mnemonic.Punpckhqdq: Interleave(ref d, 8, high: true); return true;
            case Mnemonic.Punpcklbw: Interleave(ref d, 1, high: false); return true;
            case Mnemonic.Punpckhbw: Interleave(ref d, 1, high: true); return true;
            case Mnemonic.Punpcklwd: Interleave(ref d, 2, high: false); return true;
            case Mnemonic.Punpckhwd: Interleave(ref d, 2, high: true); return true;
            case Mnemonic.Packsswb: case Mnemonic.Packssdw: case Mnemonic.Packuswb:
            {
                var b = ReadXmmOperand(ref d, 1, 16, aligned: true);
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = Pack(m, x, b);
                return true;
            }
        }
        return false;
    }

    /// <summary>A shift of every 16/32/64-bit lane; counts beyond the lane width give 0 (or the sign for PSRA).</summary>
    private static Vector128<byte> Shift(Mnemonic m, Vector128<byte> x, ulong count)
    {
        int c = (int)Math.Min(count, 64);
        return m switch
        {
            Mnemonic.Psllw => c > 15 ? default : Vector128.ShiftLeft(x.AsUInt16(), c).AsByte(),
            Mnemonic.Pslld => c > 31 ? default : Vector128.ShiftLeft(x.AsUInt32(), c).AsByte(),
            Mnemonic.Psllq => c > 63 ? default : Vector128.ShiftLeft(x.AsUInt64(), c).AsByte(),
            Mnemonic.Psrlw => c > 15 ? default : Vector128.ShiftRightLogical(x.AsUInt16(), c).AsByte(),
            Mnemonic.Psrld => c > 31 ? default : Vector128.ShiftRightLogical(x.AsUInt32(), c).AsByte(),
            Mnemonic.Psrlq => c > 63 ? default : Vector128.ShiftRightLogical(x.AsUInt64(), c).AsByte(),
            Mnemonic.Psraw => Vector128.ShiftRightArithmetic(x.AsInt16(), Math.Min(c, 15)).AsByte(),
            _ => Vector128.ShiftRightArithmetic(x.AsInt32(), Math.Min(c, 31)).AsByte(),
        };
    }

    /// <summary>UNPCK/PUNPCK: lanes of <paramref name="size"/> bytes from the low or high halves, destination first.</summary>
    private void Interleave(ref DecodedInstruction d, int size, bool high)
    {
        var b = ReadXmmOperand(ref d, 1, 16, aligned: true);
        ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
        var a = x;
        Vector128<byte> r = default;
        int start = high ? 8 : 0;
        for (int lane = 0; lane < 8 / size; lane++)
        {
            for (int k = 0; k < size; k++)
            {
                r = r.WithElement(2 * lane * size + k, a.GetElement(start + lane * size + k));
                r = r.WithElement((2 * lane + 1) * size + k, b.GetElement(start + lane * size + k));
            }
        }
        x = r;
    }

    /// <summary>PACKSSWB/PACKUSWB (words to bytes) and PACKSSDW (dwords to words), saturating; destination lanes first.</summary>
    private static Vector128<byte> Pack(Mnemonic m, Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> r = default;
        if (m == Mnemonic.Packssdw)
        {
            var w = r.AsInt16();
            for (int i = 0; i < 8; i++)
                w = w.WithElement(i, (short)Math.Clamp((i < 4 ? a : b).AsInt32().GetElement(i & 3), short.MinValue, short.MaxValue));
            return w.AsByte();
        }
        for (int i = 0; i < 16; i++)
        {
            int v = (i < 8 ? a : b).AsInt16().GetElement(i & 7);
            r = r.WithElement(i, m == Mnemonic.Packuswb ? (byte)Math.Clamp(v, 0, 255) : (byte)(sbyte)Math.Clamp(v, sbyte.MinValue, sbyte.MaxValue));
        }
        return r;
    }
}
