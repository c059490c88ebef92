using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// MUL, IMUL (one, two and three operands), DIV, IDIV. CF = OF = "the high half is significant";
/// SF, ZF, PF (undefined in the SDM) follow QEMU: from the low half of the result, AF = 0.
/// DIV/IDIV raise #DE for a zero divisor or a quotient that does not fit; their flags are unchanged.
/// </summary>
internal sealed partial class Cpu
{
    private void SetMulFlags(uint low, bool overflow, int size) =>
        SetStatus(SzpFlags(low & SizeMask(size), size) | (overflow ? Eflags.CF | Eflags.OF : 0));

    private void Mul(ref DecodedInstruction d, int size)
    {
        uint src = ReadOp(ref d, 0, size);
        switch (size)
        {
            case 1:
            {
                uint r = (R(Gpr.EAX) & 0xFF) * src;
                WriteAccumulator(2, r);
                SetMulFlags(r, (r & 0xFF00) != 0, 1);
                break;
            }
            case 2:
            {
                uint r = (R(Gpr.EAX) & 0xFFFF) * src;
                WriteAccumulator(2, r);
                R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | (r >> 16);
                SetMulFlags(r, (r >> 16) != 0, 2);
                break;
            }
            default:
            {
                ulong r = (ulong)R(Gpr.EAX) * src;
                R(Gpr.EAX) = (uint)r;
                R(Gpr.EDX) = (uint)(r >> 32);
                SetMulFlags((uint)r, (r >> 32) != 0, 4);
                break;
            }
        }
    }

    private static long SignExtend(uint v, int size) => size switch { 1 => (sbyte)v, 2 => (short)v, _ => (int)v };

    private void Imul(ref DecodedInstruction d, int size)
    {
        if (d.I.OpCount == 1)
        {
            long src = SignExtend(ReadOp(ref d, 0, size), size);
            long acc = SignExtend(R(Gpr.EAX), size);
            long r = acc * src;
            switch (size)
            {
                case 1: WriteAccumulator(2, (uint)r); break;
                case 2:
                    WriteAccumulator(2, (uint)r);
                    R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | (((uint)r >> 16) & 0xFFFF);
                    break;
                default:
                    R(Gpr.EAX) = (uint)r;
                    R(Gpr.EDX) = (uint)((ulong)r >> 32);
                    break;
            }
            SetMulFlags((uint)r, SignExtend((uint)r, size) != r, size);
            return;
        }
        // Two operands: reg *= r/m; three: reg = r/m * imm.
        long a = SignExtend(ReadOp(ref d, 1, size), size);
        long b = d.I.OpCount == 3 ? SignExtend(ReadOp(ref d, 2, size), size) : SignExtend(ReadReg(d.I.Op0Register), size);
        long product = a * b;
        WriteReg(d.I.Op0Register, (uint)product & SizeMask(size));
        SetMulFlags((uint)product, SignExtend((uint)product, size) != product, size);
    }

    private void Div(ref DecodedInstruction d, int size)
    {
        ulong divisor = ReadOp(ref d, 0, size);
        if (divisor == 0)
            throw Fault(Vector.DE);
        ulong dividend = size switch
        {
            1 => R(Gpr.EAX) & 0xFFFF,
            2 => ((R(Gpr.EDX) & 0xFFFF) << 16) | (R(Gpr.EAX) & 0xFFFF),
            _ => ((ulong)R(Gpr.EDX) << 32) | R(Gpr.EAX),
        };
        ulong q = dividend / divisor, rem = dividend % divisor;
        if (q > SizeMask(size))
            throw Fault(Vector.DE);
        StoreQuotient(size, (uint)q, (uint)rem);
    }

    private void Idiv(ref DecodedInstruction d, int size)
    {
        long divisor = SignExtend(ReadOp(ref d, 0, size), size);
        if (divisor == 0)
            throw Fault(Vector.DE);
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
        StoreQuotient(size, (uint)q, (uint)rem);
    }

    private void StoreQuotient(int size, uint q, uint rem)
    {
        switch (size)
        {
            case 1:
                R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF0000) | ((rem & 0xFF) << 8) | (q & 0xFF);
                break;
            case 2:
                WriteAccumulator(2, q);
                R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | (rem & 0xFFFF);
                break;
            default:
                R(Gpr.EAX) = q;
                R(Gpr.EDX) = rem;
                break;
        }
    }
}
