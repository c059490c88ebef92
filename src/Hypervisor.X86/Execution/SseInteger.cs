using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SSE2 packed integer arithmetic on XMM registers and the bitwise logic of both sets: PADD/PSUB
/// (wrapping and saturating), PMULLW/PMULHW/PMULHUW/PMULUDQ, PMADDWD, PSADBW, PAVGB/W,
/// PMIN/PMAX UB/SW, PCMPEQ/PCMPGT, AND/ANDN/OR/XOR PS/PD and PAND/PANDN/POR/PXOR. All take
/// xmm, xmm/m128 (16-byte aligned memory). Plain lane loops where Vector128 has no portable op.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>The lanes of a vector as a span of <typeparamref name="T"/>.</summary>
    private static Span<T> Lanes<T>(ref Vector128<byte> v) where T : struct =>
        MemoryMarshal.Cast<byte, T>(MemoryMarshal.CreateSpan(ref Unsafe.As<Vector128<byte>, byte>(ref v), 16));

    private bool ExecuteSseInteger(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        Vector128<byte> r;
        switch (m)
        {
            case Mnemonic.Andps: case Mnemonic.Andpd: case Mnemonic.Pand:
            case Mnemonic.Andnps: case Mnemonic.Andnpd: case Mnemonic.Pandn:
            case Mnemonic.Orps: case Mnemonic.Orpd: case Mnemonic.Por:
            case Mnemonic.Xorps: case Mnemonic.Xorpd: case Mnemonic.Pxor:
            case Mnemonic.Paddb: case Mnemonic.Paddw: case Mnemonic.Paddd: case Mnemonic.Paddq:
            case Mnemonic.Psubb: case Mnemonic.Psubw: case Mnemonic.Psubd: case Mnemonic.Psubq:
            case Mnemonic.Pcmpeqb: case Mnemonic.Pcmpeqw: case Mnemonic.Pcmpeqd:
            case Mnemonic.Pcmpgtb: case Mnemonic.Pcmpgtw: case Mnemonic.Pcmpgtd:
            case Mnemonic.Pminub: case Mnemonic.Pmaxub: case Mnemonic.Pminsw: case Mnemonic.Pmaxsw:
                break;
            case Mnemonic.Paddsb: case Mnemonic.Paddsw: case Mnemonic.Paddusb: case Mnemonic.Paddusw:
            case Mnemonic.Psubsb: case Mnemonic.Psubsw: case Mnemonic.Psubusb: case Mnemonic.Psubusw:
            case Mnemonic.Pmullw: case Mnemonic.Pmulhw: case Mnemonic.Pmulhuw: case Mnemonic.Pmuludq:
            case Mnemonic.Pmaddwd: case Mnemonic.Psadbw: case Mnemonic.Pavgb: case Mnemonic.Pavgw:
                break;
            default:
                return false;
        }
        var b = ReadXmmOperand(ref d, 1, 16, aligned: true);
        ref var dst = ref Xmm(XmmNumber(d.I.Op0Register));
        var a = dst;
        r = m switch
        {
            Mnemonic.Andps or Mnemonic.Andpd or Mnemonic.Pand => a & b,
            Mnemonic.Andnps or Mnemonic.Andnpd or Mnemonic.Pandn => Vector128.AndNot(b, a),
            Mnemonic.Orps or Mnemonic.Orpd or Mnemonic.Por => a | b,
            Mnemonic.Xorps or Mnemonic.Xorpd or Mnemonic.Pxor => a ^ b,
            Mnemonic.Paddb => a + b,
            Mnemonic.Paddw => (a.AsUInt16() + b.AsUInt16()).AsByte(),
            Mnemonic.Paddd => (a.AsUInt32() + b.AsUInt32()).AsByte(),
            Mnemonic.Paddq => (a.AsUInt64() + b.AsUInt64()).AsByte(),
            Mnemonic.Psubb => a - b,
            Mnemonic.Psubw => (a.AsUInt16() - b.AsUInt16()).AsByte(),
            Mnemonic.Psubd => (a.AsUInt32() - b.AsUInt32()).AsByte(),
            Mnemonic.Psubq => (a.AsUInt64() - b.AsUInt64()).AsByte(),
            Mnemonic.Pcmpeqb => Vector128.Equals(a, b),
            Mnemonic.Pcmpeqw => Vector128.Equals(a.AsUInt16(), b.AsUInt16()).AsByte(),
            Mnemonic.Pcmpeqd => Vector128.Equals(a.AsUInt32(), b.AsUInt32()).AsByte(),
            Mnemonic.Pcmpgtb => Vector128.GreaterThan(a.AsSByte(), b.AsSByte()).AsByte(),
            Mnemonic.Pcmpgtw => Vector128.GreaterThan(a.AsInt16(), b.AsInt16()).AsByte(),
            Mnemonic.Pcmpgtd => Vector128.GreaterThan(a.AsInt32(), b.AsInt32()).AsByte(),
            Mnemonic.Pminub => Vector128.Min(a, b),
            Mnemonic.Pmaxub => Vector128.Max(a, b),
            Mnemonic.Pminsw => Vector128.Min(a.AsInt16(), b.AsInt16()).AsByte(),
            Mnemonic.Pmaxsw => Vector128.Max(a.AsInt16(), b.AsInt16()).AsByte(),
            _ => LaneLoop(m, a, b),
        };
        dst = r;
        return true;
    }

    /// <summary>The saturating, multiplying and averaging forms, one lane at a time.</summary>
    private static Vector128<byte> LaneLoop(Mnemonic m, Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> r = default;
        switch (m)
        {
            case Mnemonic.Paddsb: case Mnemonic.Psubsb:
            {
                Span<sbyte> x = Lanes<sbyte>(ref a), y = Lanes<sbyte>(ref b), z = Lanes<sbyte>(ref r);
                for (int i = 0; i < 16; i++)
                    z[i] = (sbyte)Math.Clamp(m == Mnemonic.Paddsb ? x[i] + y[i] : x[i] - y[i], sbyte.MinValue, sbyte.MaxValue);
                break;
            }
            case Mnemonic.Paddusb: case Mnemonic.Psubusb: case Mnemonic.Pavgb:
            {
                Span<byte> x = Lanes<byte>(ref a), y = Lanes<byte>(ref b), z = Lanes<byte>(ref r);
                for (int i = 0; i < 16; i++)
                    z[i] = (byte)(m == Mnemonic.Pavgb ? (x[i] + y[i] + 1) >> 1
                        : Math.Clamp(m == Mnemonic.Paddusb ? x[i] + y[i] : x[i] - y[i], 0, 255));
                break;
            }
            case Mnemonic.Paddsw: case Mnemonic.Psubsw: case Mnemonic.Pmullw: case Mnemonic.Pmulhw:
            {
                Span<short> x = Lanes<short>(ref a), y = Lanes<short>(ref b), z = Lanes<short>(ref r);
                for (int i = 0; i < 8; i++)
                {
                    z[i] = m switch
                    {
                        Mnemonic.Paddsw => (short)Math.Clamp(x[i] + y[i], short.MinValue, short.MaxValue),
                        Mnemonic.Psubsw => (short)Math.Clamp(x[i] - y[i], short.MinValue, short.MaxValue),
                        Mnemonic.Pmullw => (short)(x[i] * y[i]),
                        _ => (short)((x[i] * y[i]) >> 16),
                    };
                }
                break;
            }
            case Mnemonic.Paddusw: case Mnemonic.Psubusw: case Mnemonic.Pmulhuw: case Mnemonic.Pavgw:
            {
                Span<ushort> x = Lanes<ushort>(ref a), y = Lanes<ushort>(ref b), z = Lanes<ushort>(ref r);
                for (int i = 0; i < 8; i++)
                {
                    z[i] = m switch
                    {
                        Mnemonic.Paddusw => (ushort)Math.Min(x[i] + y[i], ushort.MaxValue),
                        Mnemonic.Psubusw => (ushort)Math.Max(x[i] - y[i], 0),
                        Mnemonic.Pmulhuw => (ushort)(((uint)x[i] * y[i]) >> 16),
                        _ => (ushort)((x[i] + y[i] + 1) >> 1),
                    };
                }
                break;
            }
            case Mnemonic.Pmuludq:
            {
                Span<uint> x = Lanes<uint>(ref a), y = Lanes<uint>(ref b);
                Span<ulong> z = Lanes<ulong>(ref r);
                z[0] = (ulong)x[0] * y[0];
                z[1] = (ulong)x[2] * y[2];
                break;
            }
            case Mnemonic.Pmaddwd:
            {
                Span<short> x = Lanes<short>(ref a), y = Lanes<short>(ref b);
                Span<int> z = Lanes<int>(ref r);
                for (int i = 0; i < 4; i++)
                    z[i] = unchecked(x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1]); // only -32768² · 2 wraps, to 0x80000000 as on hardware
                break;
            }
            default: // PSADBW: the sum of absolute differences of each 8-byte half, in word 0 of each quadword
            {
                Span<byte> x = Lanes<byte>(ref a), y = Lanes<byte>(ref b);
                Span<ulong> z = Lanes<ulong>(ref r);
                for (int half = 0; half < 2; half++)
                {
                    uint sum = 0;
                    for (int i = 0; i < 8; i++)
                        sum += (uint)Math.Abs(x[8 * half + i] - y[8 * half + i]);
                    z[half] = sum;
                }
                break;
            }
        }
        return r;
    }
}
