using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Logical and bit instructions: AND, OR, XOR, TEST, NOT, BT/BTS/BTR/BTC, BSF, BSR.</summary>
internal sealed partial class Cpu
{
    private enum LogicOp { And, Or, Xor }

    private enum BitOp { Test, Set, Reset, Complement }

    private void Logic(ref DecodedInstruction d, int size, LogicOp op, bool store)
    {
        ulong src = ReadOp(ref d, 1, size);
        ulong dst = store ? ReadDest(ref d, size) : ReadOp(ref d, 0, size);
        ulong r = op switch { LogicOp.And => dst & src, LogicOp.Or => dst | src, _ => dst ^ src };
        if (store)
            WriteDest(ref d, size, r);
        LogicFlags(r, size);
    }

    private void Not(ref DecodedInstruction d, int size)
    {
        ulong dst = ReadDest(ref d, size);
        WriteDest(ref d, size, ~dst & SizeMask(size));
    }

    /// <summary>
    /// BT family: with a register bit offset and a memory operand the offset addresses any bit
    /// relative to the operand (signed, SDM "Bit(BitBase, BitOffset)"); an immediate is taken modulo the size.
    /// </summary>
    private void BitTest(ref DecodedInstruction d, BitOp op)
    {
        int size = d.DataSize;
        int bits = size * 8;
        ulong offset = ReadOp(ref d, 1, size);
        int bit;
        ulong value;
        bool memory = d.I.Op0Kind == OpKind.Memory;
        if (memory && d.I.Op1Kind == OpKind.Register)
        {
            int seg = MemorySeg(ref d);
            long signedOffset = size switch { 2 => (short)offset, 4 => (int)offset, _ => (long)offset };
            ulong ea = CutToAddressSize(ref d, EffectiveAddress(ref d) + (ulong)((signedOffset >> (size == 2 ? 4 : size == 4 ? 5 : 6)) * size));
            bit = (int)(signedOffset & (bits - 1));
            ulong la = Linear(seg, ea, size, write: op != BitOp.Test);
            value = op == BitOp.Test ? ReadLinear(la, size) : ReadForUpdate(la, size);
            _destLinear = la;
        }
        else
        {
            bit = (int)(offset & (ulong)(bits - 1));
            value = op == BitOp.Test ? ReadOp(ref d, 0, size) : ReadDest(ref d, size);
        }
        bool set = ((value >> bit) & 1) != 0;
        if (op != BitOp.Test)
        {
            ulong r = op switch
            {
                BitOp.Set => value | (1UL << bit),
                BitOp.Reset => value & ~(1UL << bit),
                _ => value ^ (1UL << bit),
            };
            if (memory)
                WriteAfterUpdate(_destLinear, size, r);
            else
                WriteReg(d.I.Op0Register, r);
        }
        Flags = set ? Flags | Eflags.CF : Flags & ~Eflags.CF;
    }

    /// <summary>BSF/BSR: ZF set and destination unchanged when the source is 0.</summary>
    private void BitScan(ref DecodedInstruction d, bool forward)
    {
        int size = d.DataSize;
        ulong src = ReadOp(ref d, 1, size);
        if (src == 0)
        {
            Flags |= Eflags.ZF;
            return;
        }
        uint index = forward
            ? (uint)System.Numerics.BitOperations.TrailingZeroCount(src)
            : (uint)(63 - System.Numerics.BitOperations.LeadingZeroCount(src));
        WriteReg(d.I.Op0Register, index);
        Flags &= ~Eflags.ZF;
    }
}
