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
        uint src = ReadOp(ref d, 1, size);
        uint dst = store ? ReadDest(ref d, size) : ReadOp(ref d, 0, size);
        uint r = op switch { LogicOp.And => dst & src, LogicOp.Or => dst | src, _ => dst ^ src };
        if (store)
            WriteDest(ref d, size, r);
        LogicFlags(r, size);
    }

    private void Not(ref DecodedInstruction d, int size)
    {
        uint dst = ReadDest(ref d, size);
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
        uint offset = ReadOp(ref d, 1, size);
        uint bit;
        uint value;
        bool memory = d.I.Op0Kind == OpKind.Memory;
        if (memory && d.I.Op1Kind == OpKind.Register)
        {
            int seg = MemorySeg(ref d);
            int signedOffset = size == 2 ? (short)offset : (int)offset;
            uint ea = EffectiveAddress(ref d) + (uint)((signedOffset >> (size == 2 ? 4 : 5)) * size);
            if (d.AddrSize == 2)
                ea &= 0xFFFF;
            bit = (uint)signedOffset & (uint)(bits - 1);
            uint la = Linear(seg, ea, size, write: op != BitOp.Test);
            value = op == BitOp.Test ? ReadLinear(la, size) : ReadForUpdate(la, size);
            _destLinear = la;
        }
        else
        {
            bit = offset & (uint)(bits - 1);
            value = op == BitOp.Test ? ReadOp(ref d, 0, size) : ReadDest(ref d, size);
        }
        bool set = ((value >> (int)bit) & 1) != 0;
        if (op != BitOp.Test)
        {
            uint r = op switch
            {
                BitOp.Set => value | (1u << (int)bit),
                BitOp.Reset => value & ~(1u << (int)bit),
                _ => value ^ (1u << (int)bit),
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
        uint src = ReadOp(ref d, 1, size);
        if (src == 0)
        {
            Flags |= Eflags.ZF;
            return;
        }
        uint index = forward
            ? (uint)System.Numerics.BitOperations.TrailingZeroCount(src)
            : (uint)(31 - System.Numerics.BitOperations.LeadingZeroCount(src));
        WriteReg(d.I.Op0Register, index);
        Flags &= ~Eflags.ZF;
    }
}
