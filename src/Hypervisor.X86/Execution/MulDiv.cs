using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// MUL, IMUL (one, two and three operands), DIV, IDIV. CF = OF = "the high half is significant";
/// SF, ZF, PF (undefined in the SDM) follow QEMU: from the low half of the result, AF = 0.
/// DIV/IDIV raise #DE for a zero divisor or a quotient that does not fit; their flags are unchanged.
/// </summary>
internal sealed partial class Cpu
{
    private void SetMulFlags(ulong low, bool overflow, int size) =>
        SetStatus(SzpFlags(low & SizeMask(size), size) | (overflow ? Eflags.CF | Eflags.OF : 0));

    private void Mul(ref DecodedInstruction d, int size)
    {
        ulong src = ReadOp(ref d, 0, size);
        switch (size)
        {
            case 1:
            {
                uint r = (R(Gpr.EAX) & 0xFF) * (uint)src;
                WriteAccumulator(2, r);
                SetMulFlags(r, (r & 0xFF00) != 0, 1);
                break;
            }
            case 2:
            {
                uint r = (R(Gpr.EAX) & 0xFFFF) * (uint)src;
                WriteAccumulator(2, r);
                R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | (r >> 16);
                SetMulFlags(r, (r >> 16) != 0, 2);
                break;
            }
            case 4:
            {
                ulong r = (ulong)R(Gpr.EAX) * src;
                WriteAccumulator(4, (uint)r);
                WriteRdx(4, r >> 32);
                SetMulFlags((uint)r, (r >> 32) != 0, 4);
                break;
            }
            default:
            {
                ulong high = Math.BigMul(R64(Gpr.EAX), src, out ulong low);
                R64(Gpr.EAX) = low;
                R64(Gpr.EDX) = high;
                SetMulFlags(low, high != 0, 8);
                break;
            }
        }
    }

    /// <summary>EDX (zero-extended into RDX, as every 32-bit register write) or RDX.</summary>
    private void WriteRdx(int size, ulong value) => R64(Gpr.EDX) = size == 4 ? (uint)value : value;

    private static long SignExtend(ulong v, int size) => size switch { 1 => (sbyte)v, 2 => (short)v, 4 => (int)v, _ => (long)v };

    private void Imul(ref DecodedInstruction d, int size)
    {
        if (d.I.OpCount == 1)
        {
            long src = SignExtend(ReadOp(ref d, 0, size), size);
            long acc = SignExtend(R64(Gpr.EAX), size);
            if (size == 8)
            {
                long high = Math.BigMul(acc, src, out long low);
                R64(Gpr.EAX) = (ulong)low;
                R64(Gpr.EDX) = (ulong)high;
                SetMulFlags((ulong)low, high != (low >> 63), 8);
                return;
            }
            long r = acc * src;
            switch (size)
            {
                case 1: WriteAccumulator(2, (uint)r); break;
                case 2:
                    WriteAccumulator(2, (uint)r);
                    R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | (((uint)r >> 16) & 0xFFFF);
                    break;
                default:
                    WriteAccumulator(4, (uint)r);
                    WriteRdx(4, (ulong)r >> 32);
                    break;
            }
            SetMulFlags((ulong)r, SignExtend((ulong)r, size) != r, size);
            return;
        }
        // Two operands: reg *= r/m; three: reg = r/m * imm.
        long a = SignExtend(ReadOp(ref d, 1, size), size);
        long b = d.I.OpCount == 3 ? SignExtend(ReadOp(ref d, 2, size), size) : SignExtend(ReadReg(d.I.Op0Register), size);
        if (size == 8)
        {
            long high = Math.BigMul(a, b, out long low);
            WriteReg(d.I.Op0Register, (ulong)low);
            SetMulFlags((ulong)low, high != (low >> 63), 8);
            return;
        }
        long product = a * b;
        WriteReg(d.I.Op0Register, (ulong)product & SizeMask(size));
        SetMulFlags((ulong)product, SignExtend((ulong)product, size) != product, size);
    }

    private void Div(ref DecodedInstruction d, int size)
    {
        ulong divisor = ReadOp(ref d, 0, size);
        if (divisor == 0)
            throw Fault(Vector.DE);
        if (size == 8)
        {
            var wide = new UInt128(R64(Gpr.EDX), R64(Gpr.EAX));
            UInt128 q64 = wide / divisor;
            if (q64 > ulong.MaxValue)
                throw Fault(Vector.DE);
            StoreQuotient(8, (ulong)q64, (ulong)(wide % divisor));
            return;
        }
        ulong dividend = size switch
        {
            1 => R(Gpr.EAX) & 0xFFFF,
            2 => ((R(Gpr.EDX) & 0xFFFF) << 16) | (R(Gpr.EAX) & 0xFFFF),
            _ => ((ulong)R(Gpr.EDX) << 32) | R(Gpr.EAX),
        };
        ulong q = dividend / divisor, rem = dividend % divisor;
        if (q > SizeMask(size))
            throw Fault(Vector.DE);
        StoreQuotient(size, q, rem);
    }

    private void Idiv(ref DecodedInstruction d, int size)
    {
        long divisor = SignExtend(ReadOp(ref d, 0, size), size);
        if (divisor == 0)
            throw Fault(Vector.DE);
        if (size == 8)
        {
            var wide = (Int128)new UInt128(R64(Gpr.EDX), R64(Gpr.EAX));
            Int128 q128 = wide / divisor; // no overflow: |divisor| >= 1 and the dividend fits 128 bits
            if (q128 > long.MaxValue || q128 < long.MinValue)
                throw Fault(Vector.DE);
            StoreQuotient(8, (ulong)(long)q128, (ulong)(long)(wide % divisor));
            return;
        }
        long dividend = size switch
        {
            1 => (short)R(Gpr.EAX),
            2 => (int)(((R(Gpr.EDX) & 0xFFFF) << 16) | (R(Gpr.EAX) & 0xFFFF)),
            _ => (long)(((ulong)R(Gpr.EDX) << 32) | R(Gpr.EAX)),
        };
        if (dividend == long.MinValue && divisor == -1)
            throw Fault(Vector.DE);
        long q = dividend / divisor, rem = dividend % divisor;
        long max = (1L << (size * 8 - 1)) - 1, min = -(1L << (size * 8 - 1));
        if (q > max || q < min)
            throw Fault(Vector.DE);
        StoreQuotient(size, (ulong)q, (ulong)rem);
    }

    private void StoreQuotient(int size, ulong q, ulong rem)
    {
        switch (size)
        {
            case 1:
                R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF0000) | (((uint)rem & 0xFF) << 8) | ((uint)q & 0xFF);
                break;
            case 2:
                WriteAccumulator(2, q);
                R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | ((uint)rem & 0xFFFF);
                break;
            default:
                WriteAccumulator(size, q);
                WriteRdx(size, rem);
                break;
        }
    }
}
