using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Shifts, rotates and double shifts of 64-bit operands (REX.W): the count is masked to 6 bits; the
/// flags follow the 8/16/32-bit forms in Shifts.cs (QEMU's values where the SDM leaves them undefined).
/// </summary>
internal sealed partial class Cpu
{
    private const ulong Sign64 = 1UL << 63;

    private void Shift64(ref DecodedInstruction d, ShiftOp op)
    {
        int count = (int)(ShiftCount(ref d, 1) & 0x3F);
        ulong v = ReadDest(ref d, 8);
        if (count == 0)
            return;
        uint f = Flags;
        ulong r = ShiftBits64(op, v, count, ref f);
        WriteDest(ref d, 8, r);
        Flags = f;
    }

    /// <summary>A 64-bit shift or rotate by a non-zero masked count: the result, and EFLAGS <paramref name="f"/> updated (translated code calls it too).</summary>
    private static ulong ShiftBits64(ShiftOp op, ulong v, int count, ref uint f)
    {
        ulong r;
        switch (op)
        {
            case ShiftOp.Shl:
            {
                r = v << count;
                uint cf = (uint)(v >> (64 - count)) & 1;
                f = (f & ~Eflags.Status) | SzpFlags(r, 8) | cf | ((r >> 63) != cf ? Eflags.OF : 0);
                break;
            }
            case ShiftOp.Shr:
            {
                ulong before = v >> (count - 1);
                r = v >> count;
                f = (f & ~Eflags.Status) | SzpFlags(r, 8) | (uint)(before & 1) | (((before ^ r) & Sign64) != 0 ? Eflags.OF : 0);
                break;
            }
            case ShiftOp.Sar:
                r = (ulong)((long)v >> count);
                f = (f & ~Eflags.Status) | SzpFlags(r, 8) | (uint)((ulong)((long)v >> (count - 1)) & 1);
                break;
            case ShiftOp.Rol:
            {
                r = ulong.RotateLeft(v, count);
                uint cf = (uint)(r & 1);
                f = (f & ~(Eflags.CF | Eflags.OF)) | cf | ((r >> 63) != cf ? Eflags.OF : 0);
                break;
            }
            case ShiftOp.Ror:
            {
                r = ulong.RotateRight(v, count);
                f = (f & ~(Eflags.CF | Eflags.OF)) | (uint)(r >> 63) | (((r ^ (r << 1)) & Sign64) != 0 ? Eflags.OF : 0);
                break;
            }
            default: // RCL, RCR rotate CF:value, 65 bits wide (the 6-bit count never reaches 65)
            {
                UInt128 wide = ((UInt128)(f & Eflags.CF) << 64) | v;
                UInt128 all = (UInt128.One << 65) - 1;
                UInt128 rotated = op == ShiftOp.Rcl
                    ? ((wide << count) | (wide >> (65 - count))) & all
                    : ((wide >> count) | (wide << (65 - count))) & all;
                r = (ulong)rotated;
                uint cf = (uint)(rotated >> 64) & 1;
                f = (f & ~(Eflags.CF | Eflags.OF)) | cf | (((v ^ r) & Sign64) != 0 ? Eflags.OF : 0);
                break;
            }
        }
        return r;
    }

    /// <summary>SHLD/SHRD r/m64, r64: DEST shifted, filled from SRC.</summary>
    private void DoubleShift64(ref DecodedInstruction d, bool left)
    {
        int c = (int)(ShiftCount(ref d, 2) & 0x3F);
        ulong dst = ReadDest(ref d, 8);
        if (c == 0)
            return;
        ulong src = ReadReg(d.I.Op1Register);
        UInt128 wide = left ? ((UInt128)dst << 64) | src : ((UInt128)src << 64) | dst;
        ulong before, r;
        uint cf;
        if (left)
        {
            before = (ulong)((wide << (c - 1)) >> 64);
            r = (ulong)((wide << c) >> 64);
            cf = (uint)(before >> 63);
        }
        else
        {
            before = (ulong)(wide >> (c - 1));
            r = (ulong)(wide >> c);
            cf = (uint)(before & 1);
        }
        uint of = ((before ^ r) & Sign64) != 0 ? Eflags.OF : 0;
        uint f = (Flags & ~Eflags.Status) | SzpFlags(r, 8) | cf | of;
        WriteDest(ref d, 8, r);
        Flags = f;
    }
}
