using System.Buffers.Binary;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// FBLD and FBSTP (SDM Vol. 1, 4.7): the 10-byte packed BCD integer, 18 digits two per byte from
/// the lowest, the sign in bit 7 of byte 9. Both convert exactly through the 64-bit mantissa.
/// </summary>
internal sealed partial class Cpu
{
    private const int BcdBytes = 10, BcdDigits = 18;
    private const long BcdLimit = 1_000_000_000_000_000_000;

    private bool ExecuteFpuBcd(ref DecodedInstruction d)
    {
        if (d.I.Mnemonic == Mnemonic.Fbld)
        {
            int seg = MemorySeg(ref d);
            ulong ea = EffectiveAddress(ref d);
            long value = 0;
            for (int i = BcdBytes - 2; i >= 0; i--)
            {
                byte b = ReadMem8(seg, ea + (uint)i);
                value = value * 100 + (b >> 4) * 10 + (b & 0xF); // invalid digits are undefined: taken as they come
            }
            bool negative = (ReadMem8(seg, ea + BcdBytes - 1) & 0x80) != 0;
            Span<byte> raw = stackalloc byte[10];
            IntegerToExtended(value, negative, raw);
            FpuPushExtended(raw);
            return true;
        }
        if (d.I.Mnemonic == Mnemonic.Fbstp)
        {
            Span<byte> bcd = stackalloc byte[BcdBytes];
            int p = PhysicalIndex(0);
            if (Tag(p) == TagEmpty)
                FpuInvalid(stack: true, overflow: false);
            if (Tag(p) == TagEmpty || !ExtendedToInteger(_fpuRegisters.AsSpan(p * 10, 10), out ulong magnitude, out bool negative)
                || magnitude >= BcdLimit)
            {
                if (Tag(p) != TagEmpty)
                    FpuInvalid(stack: false, overflow: false);
                bcd[9] = 0xFF; // the packed BCD indefinite
                bcd[8] = 0xFF;
                bcd[7] = 0xC0;
            }
            else
            {
                for (int i = 0; i < BcdDigits / 2; i++)
                {
                    bcd[i] = (byte)((magnitude % 10) | ((magnitude / 10 % 10) << 4));
                    magnitude /= 100;
                }
                bcd[9] = negative ? (byte)0x80 : (byte)0;
            }
            int seg = MemorySeg(ref d);
            ulong ea = EffectiveAddress(ref d);
            ProbeWrite(Linear(seg, ea, BcdBytes, write: true), BcdBytes);
            for (int i = 0; i < BcdBytes; i++)
                WriteMem8(seg, ea + (uint)i, bcd[i]);
            FpuPop();
            return true;
        }
        return false;
    }

    /// <summary>An integer magnitude below 2^63 as an exact, normalized 80-bit value.</summary>
    private static void IntegerToExtended(long magnitude, bool negative, Span<byte> raw)
    {
        ulong m = (ulong)magnitude;
        int exponent = 0;
        if (m != 0)
        {
            int shift = System.Numerics.BitOperations.LeadingZeroCount(m);
            m <<= shift;
            exponent = 16383 + 63 - shift;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(raw, m);
        BinaryPrimitives.WriteUInt16LittleEndian(raw[8..], (ushort)((negative ? 0x8000 : 0) | exponent));
    }

    /// <summary>
    /// An 80-bit value rounded to an integer with the control word's RC, exactly; false for NaN,
    /// infinity and magnitudes of 2^64 or more.
    /// </summary>
    private bool ExtendedToInteger(ReadOnlySpan<byte> raw, out ulong magnitude, out bool negative)
    {
        ulong m = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        int se = BinaryPrimitives.ReadUInt16LittleEndian(raw[8..]);
        negative = (se & 0x8000) != 0;
        int e = se & 0x7FFF;
        magnitude = 0;
        if (e == 0x7FFF)
            return false;
        if (m == 0)
            return true;
        int shift = (e == 0 ? 1 : e) - 16383 - 63; // value = m * 2^shift
        if (shift >= 0)
        {
            if (shift > 0 && (shift >= 64 || (m >> (64 - shift)) != 0))
                return false;
            magnitude = m << shift;
            return true;
        }
        int right = -shift;
        UInt128 full = m;
        ulong integer = right >= 128 ? 0 : (ulong)(full >> right);
        UInt128 remainder = right >= 128 ? full : full & ((UInt128.One << right) - 1);
        UInt128 half = right >= 128 ? UInt128.MaxValue : UInt128.One << (right - 1);
        bool up = remainder != 0 && ((_fpuControl >> 10) & 3) switch
        {
            0 => remainder > half || (remainder == half && (integer & 1) != 0),
            1 => negative,  // toward -infinity
            2 => !negative, // toward +infinity
            _ => false,
        };
        if (up && integer == ulong.MaxValue)
            return false;
        magnitude = up ? integer + 1 : integer;
        return true;
    }
}
