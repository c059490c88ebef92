using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// x87 data movement, arithmetic and comparison (SDM Vol. 1, 8.3): FLD/FILD/FST(P)/FIST(P), the
/// constants, FADD/FSUB(R)/FMUL/FDIV(R) in all forms, FCHS, FABS, FSQRT, FRNDINT, FXCH, FCOM/FUCOM
/// families, FTST, FXAM, FINCSTP/FDECSTP, FFREE(P), and the opcode-map aliases. Exceptions are
/// handled as masked (results, not #MF).
/// </summary>
internal sealed partial class Cpu
{
    private static int StIndex(Register r) => r - Register.ST0;

    private double ReadFpuMemory(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        switch (d.I.MemorySize)
        {
            case MemorySize.Float32: return BitConverter.UInt32BitsToSingle(ReadMem32(seg, ea));
            case MemorySize.Float64: return BitConverter.UInt64BitsToDouble(ReadMem32(seg, ea) | ((ulong)ReadMem32(seg, ea + 4) << 32));
            case MemorySize.Int16: return (short)ReadMem16(seg, ea);
            case MemorySize.Int32: return (int)ReadMem32(seg, ea);
            case MemorySize.Int64: return (long)(ReadMem32(seg, ea) | ((ulong)ReadMem32(seg, ea + 4) << 32));
            default:
                Span<byte> raw = stackalloc byte[10];
                for (int i = 0; i < 10; i++)
                    raw[i] = ReadMem8(seg, ea + (uint)i);
                return ExtendedToDouble(raw);
        }
    }

    /// <summary>Rounds per the control word's RC field (nearest-even, down, up, toward zero).</summary>
    private double RoundFpu(double v) => ((_fpuControl >> 10) & 3) switch
    {
        0 => Math.Round(v, MidpointRounding.ToEven),
        1 => Math.Floor(v),
        2 => Math.Ceiling(v),
        _ => Math.Truncate(v),
    };

    private void StoreFpuMemory(ref DecodedInstruction d, double v)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        switch (d.I.MemorySize)
        {
            case MemorySize.Float32: WriteMem32(seg, ea, BitConverter.SingleToUInt32Bits((float)v)); break;
            case MemorySize.Float64:
            {
                ulong bits = BitConverter.DoubleToUInt64Bits(v);
                ProbeWrite(Linear(seg, ea, 8, write: true), 8);
                WriteMem32(seg, ea, (uint)bits);
                WriteMem32(seg, ea + 4, (uint)(bits >> 32));
                break;
            }
            case MemorySize.Int16: WriteMem16(seg, ea, (ushort)(short)ToInteger(v, short.MinValue, short.MaxValue)); break;
            case MemorySize.Int32: WriteMem32(seg, ea, (uint)(int)ToInteger(v, int.MinValue, int.MaxValue)); break;
            case MemorySize.Int64:
            {
                ulong bits = (ulong)ToInteger(v, long.MinValue, long.MaxValue);
                ProbeWrite(Linear(seg, ea, 8, write: true), 8);
                WriteMem32(seg, ea, (uint)bits);
                WriteMem32(seg, ea + 4, (uint)(bits >> 32));
                break;
            }
            default:
            {
                Span<byte> raw = stackalloc byte[10];
                DoubleToExtended(v, raw);
                ProbeWrite(Linear(seg, ea, 10, write: true), 10);
                for (int i = 0; i < 10; i++)
                    WriteMem8(seg, ea + (uint)i, raw[i]);
                break;
            }
        }
    }

    private void StoreFpu(ref DecodedInstruction d, bool memory, double v)
    {
        if (memory)
            StoreFpuMemory(ref d, v);
        else
            WriteSt(StIndex(d.I.Op0Register), v);
    }

    /// <summary>FSTP m80fp of a loaded register: its bytes as they are.</summary>
    private void StoreExtended(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        ProbeWrite(Linear(seg, ea, 10, write: true), 10);
        int p = PhysicalIndex(0);
        for (int i = 0; i < 10; i++)
            WriteMem8(seg, ea + (uint)i, _fpuRegisters[p * 10 + i]);
    }

    /// <summary>FIST conversion: out of range or NaN stores the integer indefinite (the minimum value) with IE.</summary>
    private long ToInteger(double v, long min, long max)
    {
        double r = RoundFpu(v);
        if (double.IsNaN(r) || r < min || r > max)
        {
            FpuInvalid(stack: false, overflow: false);
            return min;
        }
        return (long)r;
    }

    private bool ExecuteX87(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        bool memory = d.I.OpCount > 0 && d.I.Op0Kind == OpKind.Memory;
        switch (m)
        {
            case Mnemonic.Fld1: FpuPush(1.0); return true;
            case Mnemonic.Fldz: FpuPush(0.0); return true;
            case Mnemonic.Fldpi: FpuPush(Math.PI); return true;
            case Mnemonic.Fldl2e: FpuPush(1.4426950408889634); return true;
            case Mnemonic.Fldl2t: FpuPush(3.3219280948873622); return true;
            case Mnemonic.Fldlg2: FpuPush(0.3010299956639812); return true;
            case Mnemonic.Fldln2: FpuPush(0.6931471805599453); return true;
            case Mnemonic.Fld:
                if (memory && d.I.MemorySize == MemorySize.Float80)
                {
                    Span<byte> raw = stackalloc byte[10];
                    for (int i = 0; i < 10; i++)
                        raw[i] = ReadMem8(MemorySeg(ref d), EffectiveAddress(ref d) + (uint)i);
                    FpuPushExtended(raw);
                }
                else
                {
                    FpuPush(memory ? ReadFpuMemory(ref d) : ReadSt(StIndex(d.I.Op0Register)));
                }
                return true;
            case Mnemonic.Fild: FpuPush(ReadFpuMemory(ref d)); return true;
            case Mnemonic.Fst: case Mnemonic.Fstp: case Mnemonic.Fist: case Mnemonic.Fistp:
            case Mnemonic.Fstpnce: // D9 D8+i: on a 387 and later an alias of FSTP ST(i)
            {
                if (memory && d.I.MemorySize == MemorySize.Float80 && Tag(PhysicalIndex(0)) != TagEmpty)
                    StoreExtended(ref d); // exact, all 64 mantissa bits
                else if (memory || Tag(PhysicalIndex(0)) == TagEmpty)
                    StoreFpu(ref d, memory, ReadSt(0)); // an empty ST(0) stores the indefinite NaN (masked IE)
                else
                    CopySt(0, StIndex(d.I.Op0Register));
                if (m is Mnemonic.Fstp or Mnemonic.Fistp or Mnemonic.Fstpnce)
                    FpuPop();
                return true;
            }
            case Mnemonic.Fadd: case Mnemonic.Faddp: case Mnemonic.Fiadd:
            case Mnemonic.Fsub: case Mnemonic.Fsubp: case Mnemonic.Fisub:
            case Mnemonic.Fsubr: case Mnemonic.Fsubrp: case Mnemonic.Fisubr:
            case Mnemonic.Fmul: case Mnemonic.Fmulp: case Mnemonic.Fimul:
            case Mnemonic.Fdiv: case Mnemonic.Fdivp: case Mnemonic.Fidiv:
            case Mnemonic.Fdivr: case Mnemonic.Fdivrp: case Mnemonic.Fidivr:
                FpuArithmetic(ref d, m, memory);
                return true;
            case Mnemonic.Fchs: WriteSt(0, -ReadSt(0)); return true;
            case Mnemonic.Fabs: WriteSt(0, Math.Abs(ReadSt(0))); return true;
            case Mnemonic.Fsqrt:
            {
                double v = ReadSt(0);
                if (v < 0)
                    FpuInvalid(stack: false, overflow: false);
                WriteSt(0, Math.Sqrt(v));
                return true;
            }
            case Mnemonic.Frndint: WriteSt(0, RoundFpu(ReadSt(0))); return true;
            case Mnemonic.Fxch:
            {
                int i = d.I.OpCount > 1 ? StIndex(d.I.Op1Register) : 1;
                double a = ReadSt(0), b = ReadSt(i);
                WriteSt(0, b);
                WriteSt(i, a);
                return true;
            }
            case Mnemonic.Fincstp: FpuTop = FpuTop + 1; return true;
            case Mnemonic.Fdecstp: FpuTop = FpuTop - 1; return true;
            case Mnemonic.Ffree: SetTag(PhysicalIndex(StIndex(d.I.Op0Register)), TagEmpty); return true;
            case Mnemonic.Fnop: return true;
            case Mnemonic.Ftst: FpuCompare(ReadSt(0), 0.0, unordered: false); return true;
            case Mnemonic.Fcom: case Mnemonic.Fcomp: case Mnemonic.Fucom: case Mnemonic.Fucomp:
            case Mnemonic.Ficom: case Mnemonic.Ficomp:
            {
                double src = memory ? ReadFpuMemory(ref d) : ReadSt(d.I.OpCount > 1 ? StIndex(d.I.Op1Register) : 1);
                FpuCompare(ReadSt(0), src, unordered: m is Mnemonic.Fucom or Mnemonic.Fucomp);
                if (m is Mnemonic.Fcomp or Mnemonic.Fucomp or Mnemonic.Ficomp)
                    FpuPop();
                return true;
            }
            case Mnemonic.Fcompp: case Mnemonic.Fucompp:
                FpuCompare(ReadSt(0), ReadSt(1), unordered: m == Mnemonic.Fucompp);
                FpuPop();
                FpuPop();
                return true;
            case Mnemonic.Fxam: Examine(); return true;
            case Mnemonic.Ffreep: // DF C0+i, undocumented but on every P6: FFREE then pop
                SetTag(PhysicalIndex(StIndex(d.I.Op0Register)), TagEmpty);
                FpuPop();
                return true;
            case Mnemonic.Fneni: case Mnemonic.Fndisi: case Mnemonic.Fnsetpm:
                return true; // 8087/287 controls: a 387 and later execute them as FNOP
        }
        return ExecuteFpuCompareMove(ref d) || ExecuteFpuTranscendental(ref d) || ExecuteFpuBcd(ref d);
    }

    /// <summary>FXAM: C1 = sign; C3, C2, C0 = the class of ST(0) (SDM Vol. 1, table 8-7).</summary>
    private void Examine()
    {
        int p = PhysicalIndex(0);
        var raw = _fpuRegisters.AsSpan(p * 10, 10);
        ulong mantissa = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(raw);
        int se = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(raw[8..]);
        int e = se & 0x7FFF;
        bool integerBit = (mantissa >> 63) != 0;
        ushort cc;
        if (Tag(p) == TagEmpty)
            cc = FpuC3 | FpuC0;
        else if (e == 0)
            cc = mantissa == 0 ? FpuC3 : (ushort)(FpuC3 | FpuC2); // zero, denormal
        else if (!integerBit)
            cc = 0; // unnormal, pseudo-NaN, pseudo-infinity: unsupported
        else if (e == 0x7FFF)
            cc = (mantissa << 1) == 0 ? (ushort)(FpuC2 | FpuC0) : FpuC0; // infinity, NaN
        else
            cc = FpuC2; // normal
        if ((se & 0x8000) != 0)
            cc |= FpuC1;
        _fpuStatus = (ushort)((_fpuStatus & ~(FpuC3 | FpuC2 | FpuC1 | FpuC0)) | cc);
    }

    private void FpuArithmetic(ref DecodedInstruction d, Mnemonic m, bool memory)
    {
        int dest = 0;
        double a, b;
        if (memory)
        {
            a = ReadSt(0);
            b = ReadFpuMemory(ref d);
        }
        else
        {
            dest = StIndex(d.I.Op0Register);
            a = ReadSt(dest);
            b = ReadSt(d.I.OpCount > 1 ? StIndex(d.I.Op1Register) : 0);
        }
        double r = m switch
        {
            Mnemonic.Fadd or Mnemonic.Faddp or Mnemonic.Fiadd => a + b,
            Mnemonic.Fsub or Mnemonic.Fsubp or Mnemonic.Fisub => a - b,
            Mnemonic.Fsubr or Mnemonic.Fsubrp or Mnemonic.Fisubr => b - a,
            Mnemonic.Fmul or Mnemonic.Fmulp or Mnemonic.Fimul => a * b,
            Mnemonic.Fdiv or Mnemonic.Fdivp or Mnemonic.Fidiv => Divide(a, b),
            _ => Divide(b, a),
        };
        WriteSt(dest, r);
        if (m is Mnemonic.Faddp or Mnemonic.Fsubp or Mnemonic.Fsubrp or Mnemonic.Fmulp or Mnemonic.Fdivp or Mnemonic.Fdivrp)
            FpuPop();
    }

    private double Divide(double a, double b)
    {
        if (b == 0 && a != 0 && !double.IsNaN(a))
            _fpuStatus |= FpuZE;
        else if (b == 0)
            FpuInvalid(stack: false, overflow: false);
        return a / b;
    }

    /// <summary>C3, C2, C0 = 000 greater, 001 less, 100 equal, 111 unordered (FCOM raises IE on NaN).</summary>
    private void FpuCompare(double a, double b, bool unordered)
    {
        ushort cc;
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            cc = FpuC3 | FpuC2 | FpuC0;
            if (!unordered)
                FpuInvalid(stack: false, overflow: false);
        }
        else
        {
            cc = a > b ? (ushort)0 : a < b ? FpuC0 : FpuC3;
        }
        _fpuStatus = (ushort)((_fpuStatus & ~(FpuC3 | FpuC2 | FpuC1 | FpuC0)) | cc);
    }
}
