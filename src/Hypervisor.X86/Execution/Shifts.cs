using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Shifts and rotates: SHL/SAL, SHR, SAR, ROL, ROR, RCL, RCR, SHLD, SHRD. The count is masked to 5
/// bits (6 for 64-bit operands, Shifts64.cs); a masked count of 0 changes nothing (not even flags). OF for counts above 1 and AF are
/// undefined in the SDM; we produce QEMU's values (OF from the last step, AF = 0).
/// </summary>
internal sealed partial class Cpu
{
    private enum ShiftOp { Rol, Ror, Rcl, Rcr, Shl, Shr, Sar }

    private uint ShiftCount(ref DecodedInstruction d, int op) =>
        d.I.OpCount <= op ? 1u
        : d.I.GetOpKind(op) == OpKind.Register ? R(Gpr.ECX) & 0xFF
        : (uint)d.I.GetImmediate(op) & 0xFF;

    private void Shift(ref DecodedInstruction d, int size, ShiftOp op)
    {
        if (size == 8)
        {
            Shift64(ref d, op);
            return;
        }
        uint count = ShiftCount(ref d, 1) & 0x1F;
        uint v = (uint)ReadDest(ref d, size);
        if (count == 0 || (op is ShiftOp.Rcl or ShiftOp.Rcr && count % (uint)(size * 8 + 1) == 0))
        {
            // Nothing shifts (a rotate through CF by a multiple of size + 1 neither) and the flags stay.
            WriteBackUnshifted(ref d, size, v);
            return;
        }
        uint r = ShiftValue(op, v, count, size, out uint flags);
        WriteDest(ref d, size, r);
        Flags = flags;
    }

    /// <summary>The result and EFLAGS of a shift or rotate by a masked, non-zero count.</summary>
    private uint ShiftValue(ShiftOp op, uint v, uint count, int size, out uint flags)
    {
        int bits = size * 8;
        uint mask = (uint)SizeMask(size);
        uint sign = (uint)SignBit(size);
        uint r;
        uint f = Flags;
        switch (op)
        {
            case ShiftOp.Shl or ShiftOp.Shr or ShiftOp.Sar:
                r = ShiftResult(op, v, count, size);
                f = (f & ~Eflags.Status) | ShiftStatus(op, v, count, size);
                break;
            case ShiftOp.Rol:
            {
                int n = (int)(count % (uint)bits);
                r = n == 0 ? v : ((v << n) | (v >> (bits - n))) & mask;
                uint cf = r & 1;
                uint of = ((r & sign) != 0 ? 1u : 0u) ^ cf;
                f = (f & ~(Eflags.CF | Eflags.OF)) | cf | (of != 0 ? Eflags.OF : 0);
                break;
            }
            case ShiftOp.Ror:
            {
                int n = (int)(count % (uint)bits);
                r = n == 0 ? v : ((v >> n) | (v << (bits - n))) & mask;
                uint cf = (r & sign) != 0 ? 1u : 0u;
                uint of = ((r ^ (r << 1)) & sign) != 0 ? Eflags.OF : 0;
                f = (f & ~(Eflags.CF | Eflags.OF)) | cf | of;
                break;
            }
            default: // RCL, RCR rotate CF:value, bits + 1 wide
            {
                int n = (int)(count % (uint)(bits + 1));
                if (n == 0)
                {
                    flags = f;
                    return v;
                }
                ulong wide = ((ulong)(f & Eflags.CF) << bits) | v;
                ulong all = (1UL << (bits + 1)) - 1;
                ulong rotated = op == ShiftOp.Rcl
                    ? ((wide << n) | (wide >> (bits + 1 - n))) & all
                    : ((wide >> n) | (wide << (bits + 1 - n))) & all;
                r = (uint)rotated & mask;
                uint cf = (uint)(rotated >> bits) & 1;
                uint of = ((v ^ r) & sign) != 0 ? Eflags.OF : 0;
                f = (f & ~(Eflags.CF | Eflags.OF)) | cf | of;
                break;
            }
        }
        flags = f;
        return r;
    }

    /// <summary>SHL, SHR or SAR of a <paramref name="size"/>-byte value by a masked, non-zero count.</summary>
    private static uint ShiftResult(ShiftOp op, uint v, uint count, int size) => op switch
    {
        ShiftOp.Shl => (uint)(((ulong)v << (int)count) & SizeMask(size)),
        ShiftOp.Shr => (uint)(((ulong)v >> (int)count) & SizeMask(size)),
        _ => (uint)((ulong)(SignExtend(v, size) >> (int)count) & SizeMask(size)),
    };

    /// <summary>
    /// The six status flags of SHL, SHR or SAR (a function of the operands alone: every status bit is
    /// written), so they can be owed lazily like an ADD's (<see cref="LazyFlagsOp.Shl32"/>).
    /// </summary>
    private static uint ShiftStatus(ShiftOp op, uint v, uint count, int size)
    {
        uint sign = (uint)SignBit(size);
        uint r = ShiftResult(op, v, count, size);
        switch (op)
        {
            case ShiftOp.Shl:
            {
                uint cf = (uint)(((ulong)v << (int)count) >> (size * 8)) & 1;
                uint of = ((r & sign) != 0 ? 1u : 0u) ^ cf;
                return SzpFlags(r, size) | cf | (of != 0 ? Eflags.OF : 0);
            }
            case ShiftOp.Shr:
            {
                uint before = (uint)((ulong)v >> (int)(count - 1));
                return SzpFlags(r, size) | (before & 1) | (((before ^ r) & sign) != 0 ? Eflags.OF : 0);
            }
            default:
                return SzpFlags(r, size) | ((uint)(SignExtend(v, size) >> (int)(count - 1)) & 1);
        }
    }

    /// <summary>
    /// A shift by a count that moves nothing still writes its destination: a 32-bit register is then
    /// zero-extended in 64-bit mode (as QEMU does); narrower registers and memory are left as they are.
    /// </summary>
    private void WriteBackUnshifted(ref DecodedInstruction d, int size, uint value)
    {
        if (size == 4 && d.Access0 == OperandAccess.Reg32)
            SetRegister32(d.Reg0, value);
    }

    /// <summary>SHLD/SHRD: shift DEST, filling from SRC. 16-bit counts above 16 follow QEMU (undefined in the SDM).</summary>
    private void DoubleShift(ref DecodedInstruction d, int size, bool left)
    {
        if (size == 8)
        {
            DoubleShift64(ref d, left);
            return;
        }
        uint count = ShiftCount(ref d, 2) & 0x1F;
        uint dst = (uint)ReadDest(ref d, size);
        if (count == 0)
        {
            WriteBackUnshifted(ref d, size, dst); // no flags change
            return;
        }
        uint src = (uint)ReadReg(d.I.Op1Register);
        uint mask = (uint)SizeMask(size);
        uint r, cf, before;
        int c = (int)count;
        if (size == 4)
        {
            if (left)
            {
                ulong wide = ((ulong)dst << 32) | src;
                before = (uint)((wide << (c - 1)) >> 32);
                r = (uint)((wide << c) >> 32);
                cf = before >> 31;
            }
            else
            {
                ulong wide = ((ulong)src << 32) | dst;
                before = (uint)(wide >> (c - 1));
                r = (uint)(wide >> c);
                cf = before & 1;
            }
        }
        else
        {
            // 16-bit: DEST:SRC:DEST as one 48-bit value, as QEMU does for counts above 16.
            if (left)
            {
                ulong wide = ((ulong)dst << 32) | ((ulong)src << 16) | dst;
                before = (uint)((wide << (c - 1)) >> 32) & mask;
                r = (uint)((wide << c) >> 32) & mask;
                cf = (before >> 15) & 1;
            }
            else
            {
                ulong wide = ((ulong)dst << 32) | ((ulong)src << 16) | dst;
                before = (uint)(wide >> (c - 1)) & mask;
                r = (uint)(wide >> c) & mask;
                cf = before & 1;
            }
        }
        uint of = ((before ^ r) & SignBit(size)) != 0 ? Eflags.OF : 0;
        uint f = (Flags & ~Eflags.Status) | SzpFlags(r, size) | cf | of;
        WriteDest(ref d, size, r);
        Flags = f;
    }
}
