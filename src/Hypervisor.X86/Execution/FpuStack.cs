using System.Buffers.Binary;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The x87 register stack: eight 80-bit registers kept in their memory format (so FSAVE/FRSTOR
/// and FLD/FSTP of 80-bit values are exact), TOP in the status word, the tag word, and stack
/// overflow/underflow as masked invalid-operation responses (SDM Vol. 1, 8.1 and 8.5.1.1).
/// Arithmetic converts to and from double, so it carries 53 mantissa bits instead of 64.
/// </summary>
internal sealed partial class Cpu
{
    private const ushort FpuIE = 1 << 0, FpuZE = 1 << 2, FpuSF = 1 << 6, FpuES = 1 << 7;
    private const ushort FpuC0 = 1 << 8, FpuC1 = 1 << 9, FpuC2 = 1 << 10, FpuC3 = 1 << 14;
    private const int FpuTopShift = 11;
    private const int TagValid = 0, TagZero = 1, TagSpecial = 2, TagEmpty = 3;

    private int FpuTop
    {
        get => (_fpuStatus >> FpuTopShift) & 7;
        set => _fpuStatus = (ushort)((_fpuStatus & ~(7 << FpuTopShift)) | ((value & 7) << FpuTopShift));
    }

    private int PhysicalIndex(int st) => (FpuTop + st) & 7;

    private int Tag(int physical) => (_fpuTag >> (2 * physical)) & 3;

    private void SetTag(int physical, int tag) =>
        _fpuTag = (ushort)((_fpuTag & ~(3 << (2 * physical))) | (tag << (2 * physical)));

    /// <summary>A masked invalid operation (stack fault when <paramref name="stack"/>), C1 = overflow.</summary>
    private void FpuInvalid(bool stack, bool overflow)
    {
        _fpuStatus |= FpuIE;
        if (stack)
            _fpuStatus = (ushort)((_fpuStatus | FpuSF) & ~FpuC1 | (overflow ? FpuC1 : 0));
        if ((_fpuControl & FpuIE) == 0)
            _fpuStatus |= FpuES; // unmasked: pending, reported at the next FWAIT-class instruction (we do not raise #MF)
    }

    private double ReadSt(int st)
    {
        int p = PhysicalIndex(st);
        if (Tag(p) == TagEmpty)
        {
            FpuInvalid(stack: true, overflow: false);
            return double.NaN;
        }
        return ExtendedToDouble(_fpuRegisters.AsSpan(p * 10, 10));
    }

    private void WriteSt(int st, double value)
    {
        int p = PhysicalIndex(st);
        DoubleToExtended(value, _fpuRegisters.AsSpan(p * 10, 10));
        SetTag(p, TagFor(value));
    }

    private static int TagFor(double v) => v == 0 ? TagZero : double.IsFinite(v) ? TagValid : TagSpecial;

    private void FpuPush(double value)
    {
        int top = (FpuTop - 1) & 7;
        if (Tag(top) != TagEmpty)
        {
            FpuInvalid(stack: true, overflow: true);
            value = double.NaN;
        }
        FpuTop = top;
        WriteSt(0, value);
    }

    /// <summary>Pushes raw 80-bit bytes (FLD m80fp), exactly.</summary>
    private void FpuPushExtended(ReadOnlySpan<byte> raw)
    {
        int top = (FpuTop - 1) & 7;
        if (Tag(top) != TagEmpty)
            FpuInvalid(stack: true, overflow: true);
        FpuTop = top;
        raw.CopyTo(_fpuRegisters.AsSpan(top * 10, 10));
        SetTag(top, TagFor(ExtendedToDouble(raw)));
    }

    private void FpuPop()
    {
        SetTag(FpuTop, TagEmpty);
        FpuTop = FpuTop + 1;
    }

    /// <summary>IEEE double to the x87 80-bit extended format (explicit integer bit).</summary>
    public static void DoubleToExtended(double value, Span<byte> destination)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        ushort sign = (ushort)((bits >> 63) << 15);
        int exponent = (int)((bits >> 52) & 0x7FF);
        ulong fraction = bits & ((1UL << 52) - 1);
        ulong mantissa;
        int e;
        if (exponent == 0 && fraction == 0)
        {
            mantissa = 0;
            e = 0;
        }
        else if (exponent == 0x7FF)
        {
            e = 0x7FFF;
            mantissa = (1UL << 63) | (fraction << 11) | (fraction != 0 ? 1UL << 62 : 0); // quiet NaNs
        }
        else if (exponent == 0)
        {
            // A double denormal is a normal extended number.
            int shift = System.Numerics.BitOperations.LeadingZeroCount(fraction) - 11;
            mantissa = fraction << (11 + shift);
            e = 1 - 1023 + 16383 - shift;
        }
        else
        {
            mantissa = (1UL << 63) | (fraction << 11);
            e = exponent - 1023 + 16383;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(destination, mantissa);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)(sign | e));
    }

    /// <summary>The x87 80-bit extended format to IEEE double (rounded to 53 bits).</summary>
    public static double ExtendedToDouble(ReadOnlySpan<byte> source)
    {
        ulong mantissa = BinaryPrimitives.ReadUInt64LittleEndian(source);
        ushort se = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        bool negative = (se & 0x8000) != 0;
        int e = se & 0x7FFF;
        double v;
        if (e == 0 && mantissa == 0)
            v = 0;
        else if (e == 0x7FFF)
            v = (mantissa << 1) == 0 ? double.PositiveInfinity : double.NaN;
        else
            v = Math.ScaleB((double)mantissa, e - 16383 - 63);
        return negative ? -v : v;
    }
}
