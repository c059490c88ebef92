using System.Runtime.CompilerServices;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>The operation of a read-modify-write of a doubleword in memory (<see cref="Cpu.UpdateMemory32"/>).</summary>
internal enum RmwOp { Add, Sub, And, Or, Xor }

/// <summary>
/// Handlers for the hottest instruction forms (<see cref="FastForm"/>): operands resolved at decode,
/// sizes constant, so each is a few loads, an ALU operation and the flags. Each does exactly what
/// the general handler does for that form (FastPathDifferentialTests checks it); everything else
/// goes through <see cref="Execute"/>.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>Off only in tests, to compare against the general executor (read at decode: flush the cache after changing it).</summary>
    internal bool FastPathEnabled = true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong MemEa(ref DecodedInstruction d) => EffectiveAddress(ref d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExecuteFast(ref DecodedInstruction d)
    {
        switch (d.Fast)
        {
            case FastForm.MovRR: R(d.Reg0) = R(d.Reg1); break;
            case FastForm.MovRI: R(d.Reg0) = d.Immediate; break;
            case FastForm.MovRM: R(d.Reg0) = ReadMem32(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovMR: WriteMem32(d.MemSegment, MemEa(ref d), R(d.Reg1)); break;
            case FastForm.MovMI: WriteMem32(d.MemSegment, MemEa(ref d), d.Immediate); break;
            case FastForm.MovM8I: WriteMem8(d.MemSegment, MemEa(ref d), (byte)d.Immediate); break;
            case FastForm.MovRM8Zx: R(d.Reg0) = ReadMem8(d.MemSegment, MemEa(ref d)); break;

            case FastForm.AddRR: R(d.Reg0) = Add32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.AddRI: R(d.Reg0) = Add32(R(d.Reg0), d.Immediate); break;
            case FastForm.AddRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Add32(R(d.Reg0), src); break; }
            case FastForm.AddMR: AddToMemory(ref d, R(d.Reg1)); break;
            case FastForm.AddMI: AddToMemory(ref d, d.Immediate); break;

            case FastForm.SubRR: R(d.Reg0) = Sub32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.SubRI: R(d.Reg0) = Sub32(R(d.Reg0), d.Immediate); break;
            case FastForm.SubRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Sub32(R(d.Reg0), src); break; }

            case FastForm.CmpRR: Sub32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.CmpRI: Sub32(R(d.Reg0), d.Immediate); break;
            case FastForm.CmpRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); Sub32(R(d.Reg0), src); break; }
            case FastForm.CmpMR: Sub32(ReadMem32(d.MemSegment, MemEa(ref d)), R(d.Reg1)); break;
            case FastForm.CmpMI: Sub32(ReadMem32(d.MemSegment, MemEa(ref d)), d.Immediate); break;
            case FastForm.CmpM8I:
            {
                uint a = ReadMem8(d.MemSegment, MemEa(ref d)), b = d.Immediate & 0xFF;
                SetLazy(LazyFlagsOp.Sub8, a, b, (a - b) & 0xFF);
                break;
            }

            case FastForm.AndRR: R(d.Reg0) = Logic32(R(d.Reg0) & R(d.Reg1)); break;
            case FastForm.AndRI: R(d.Reg0) = Logic32(R(d.Reg0) & d.Immediate); break;
            case FastForm.OrRR: R(d.Reg0) = Logic32(R(d.Reg0) | R(d.Reg1)); break;
            case FastForm.OrRI: R(d.Reg0) = Logic32(R(d.Reg0) | d.Immediate); break;
            case FastForm.XorRR: R(d.Reg0) = Logic32(R(d.Reg0) ^ R(d.Reg1)); break;
            case FastForm.XorRI: R(d.Reg0) = Logic32(R(d.Reg0) ^ d.Immediate); break;
            case FastForm.TestRR: Logic32(R(d.Reg0) & R(d.Reg1)); break;
            case FastForm.TestRI: Logic32(R(d.Reg0) & d.Immediate); break;

            case FastForm.IncR: { uint a = R(d.Reg0), r = a + 1; SetLazyIncDec(LazyFlagsOp.Inc32, a, r); R(d.Reg0) = r; break; }
            case FastForm.DecR: { uint a = R(d.Reg0), r = a - 1; SetLazyIncDec(LazyFlagsOp.Dec32, a, r); R(d.Reg0) = r; break; }
            case FastForm.LeaR: R(d.Reg0) = (uint)EffectiveAddress(ref d); break;

            case FastForm.PushR: Push32(R(d.Reg0)); break;
            case FastForm.PopR: { uint v = Pop32(); R(d.Reg0) = v; break; }

            case FastForm.Jcc:
                if (FastCondition(d.Condition))
                    JumpNear(d.Target);
                break;
            case FastForm.JmpRel: JumpNear(d.Target); break;
            case FastForm.CallRel:
                if (d.OpSize == 4 && Stack32)
                {
                    CheckNearTarget(d.Target);
                    Push32((uint)Rip);
                    Rip = d.Target;
                }
                else
                {
                    CallNear(d.Target, d.OpSize);
                }
                break;
            case FastForm.Ret:
                if (d.OpSize == 4 && Stack32)
                {
                    uint sp = R(Gpr.ESP);
                    uint target = ReadMem32(Seg.SS, sp);
                    CheckNearTarget(target);
                    R(Gpr.ESP) = sp + 4;
                    Rip = target;
                }
                else
                {
                    RetNear(ref d);
                }
                break;

            case FastForm.MovRR16: SetLow16(ref R(d.Reg0), R(d.Reg1)); break;
            case FastForm.MovRI16: SetLow16(ref R(d.Reg0), d.Immediate); break;
            case FastForm.MovRM16: SetLow16(ref R(d.Reg0), ReadMem16(d.MemSegment, MemEa(ref d))); break;
            case FastForm.MovMR16: WriteMem16(d.MemSegment, MemEa(ref d), (ushort)R(d.Reg1)); break;
            case FastForm.AddRR16: SetLow16(ref R(d.Reg0), Add16(R(d.Reg0), R(d.Reg1))); break;
            case FastForm.AddRI16: SetLow16(ref R(d.Reg0), Add16(R(d.Reg0), d.Immediate)); break;
            case FastForm.AddRM16: { uint src = ReadMem16(d.MemSegment, MemEa(ref d)); SetLow16(ref R(d.Reg0), Add16(R(d.Reg0), src)); break; }
            case FastForm.SubRR16: SetLow16(ref R(d.Reg0), Sub16(R(d.Reg0), R(d.Reg1))); break;
            case FastForm.SubRI16: SetLow16(ref R(d.Reg0), Sub16(R(d.Reg0), d.Immediate)); break;
            case FastForm.CmpRR16: Sub16(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.CmpRI16: Sub16(R(d.Reg0), d.Immediate); break;
            case FastForm.CmpRM16: { uint src = ReadMem16(d.MemSegment, MemEa(ref d)); Sub16(R(d.Reg0), src); break; }
            case FastForm.AndRI16: SetLow16(ref R(d.Reg0), Logic16(R(d.Reg0) & d.Immediate)); break;
            case FastForm.OrRR16: SetLow16(ref R(d.Reg0), Logic16(R(d.Reg0) | R(d.Reg1))); break;
            case FastForm.XorRR16: SetLow16(ref R(d.Reg0), Logic16(R(d.Reg0) ^ R(d.Reg1))); break;
            case FastForm.XorRI16: SetLow16(ref R(d.Reg0), Logic16(R(d.Reg0) ^ d.Immediate)); break;
            case FastForm.IncR16: { uint a = R(d.Reg0) & 0xFFFF, r = (a + 1) & 0xFFFF; SetLazyIncDec(LazyFlagsOp.Inc16, a, r); SetLow16(ref R(d.Reg0), r); break; }
            case FastForm.DecR16: { uint a = R(d.Reg0) & 0xFFFF, r = (a - 1) & 0xFFFF; SetLazyIncDec(LazyFlagsOp.Dec16, a, r); SetLow16(ref R(d.Reg0), r); break; }

            default: ExecuteFastMore(ref d); break;
        }
    }

    /// <summary>The less frequent fast forms, kept out of the inlined switch above so the hot loop stays small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExecuteFastMore(ref DecodedInstruction d)
    {
        switch (d.Fast)
        {
            case FastForm.ShlRI16: ShiftRegister16(ref d, ShiftOp.Shl); break;
            case FastForm.ShrRI16: ShiftRegister16(ref d, ShiftOp.Shr); break;
            case FastForm.SarRI16: ShiftRegister16(ref d, ShiftOp.Sar); break;
            case FastForm.RolRI16: ShiftRegister16(ref d, ShiftOp.Rol); break;
            case FastForm.RorRI16: ShiftRegister16(ref d, ShiftOp.Ror); break;
            case FastForm.ShlRI: ShiftRegister(ref d, ShiftOp.Shl); break;
            case FastForm.ShrRI: ShiftRegister(ref d, ShiftOp.Shr); break;
            case FastForm.SarRI: ShiftRegister(ref d, ShiftOp.Sar); break;
            case FastForm.RolRI: ShiftRegister(ref d, ShiftOp.Rol); break;
            case FastForm.RorRI: ShiftRegister(ref d, ShiftOp.Ror); break;

            case FastForm.MovzxRR8: R(d.Reg0) = Reg8(d.Access1, d.Reg1); break;
            case FastForm.MovzxRR16: R(d.Reg0) = R(d.Reg1) & 0xFFFF; break;
            case FastForm.MovzxRM16: R(d.Reg0) = ReadMem16(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovsxRR8: R(d.Reg0) = (uint)(sbyte)Reg8(d.Access1, d.Reg1); break;
            case FastForm.MovsxRR16: R(d.Reg0) = (uint)(short)R(d.Reg1); break;
            case FastForm.MovsxRM8: R(d.Reg0) = (uint)(sbyte)ReadMem8(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovsxRM16: R(d.Reg0) = (uint)(short)ReadMem16(d.MemSegment, MemEa(ref d)); break;

            case FastForm.MovR8M: SetReg8(d.Access0, d.Reg0, ReadMem8(d.MemSegment, MemEa(ref d))); break;
            case FastForm.MovMR8: WriteMem8(d.MemSegment, MemEa(ref d), (byte)Reg8(d.Access1, d.Reg1)); break;
            case FastForm.MovR8R8: SetReg8(d.Access0, d.Reg0, Reg8(d.Access1, d.Reg1)); break;
            case FastForm.MovR8I: SetReg8(d.Access0, d.Reg0, d.Immediate); break;
            case FastForm.CmpR8R8: Sub8(Reg8(d.Access0, d.Reg0), Reg8(d.Access1, d.Reg1)); break;
            case FastForm.CmpR8I: Sub8(Reg8(d.Access0, d.Reg0), d.Immediate & 0xFF); break;
            case FastForm.TestR8R8: LogicFlags(Reg8(d.Access0, d.Reg0) & Reg8(d.Access1, d.Reg1), 1); break;
            case FastForm.TestR8I: LogicFlags(Reg8(d.Access0, d.Reg0) & d.Immediate & 0xFF, 1); break;

            case FastForm.AddR8I: case FastForm.SubR8I: case FastForm.AndR8I: case FastForm.OrR8I: case FastForm.XorR8I:
                SetReg8(d.Access0, d.Reg0, Alu8(d.Fast - FastForm.AddR8I, Reg8(d.Access0, d.Reg0), d.Immediate & 0xFF));
                break;
            case FastForm.AddR8R8: case FastForm.SubR8R8: case FastForm.AndR8R8: case FastForm.OrR8R8: case FastForm.XorR8R8:
                SetReg8(d.Access0, d.Reg0, Alu8(d.Fast - FastForm.AddR8R8, Reg8(d.Access0, d.Reg0), Reg8(d.Access1, d.Reg1)));
                break;

            case FastForm.AddR8M: case FastForm.SubR8M: case FastForm.AndR8M: case FastForm.OrR8M: case FastForm.XorR8M:
            {
                uint src = ReadMem8(d.MemSegment, MemEa(ref d));
                SetReg8(d.Access0, d.Reg0, Alu8(d.Fast - FastForm.AddR8M, Reg8(d.Access0, d.Reg0), src));
                break;
            }
            case FastForm.AndRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Logic32(R(d.Reg0) & src); break; }
            case FastForm.OrRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Logic32(R(d.Reg0) | src); break; }
            case FastForm.XorRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Logic32(R(d.Reg0) ^ src); break; }
            case FastForm.AndMR: case FastForm.OrMR: case FastForm.XorMR: case FastForm.IncM: case FastForm.DecM:
                ReadModifyWrite(ref d);
                break;

            case FastForm.SetccR8: SetReg8(d.Access0, d.Reg0, FastCondition(d.Condition) ? 1u : 0u); break;
            case FastForm.CmovRR: if (FastCondition(d.Condition)) R(d.Reg0) = R(d.Reg1); break;
            case FastForm.CmovRM:
            {
                uint v = ReadMem32(d.MemSegment, MemEa(ref d)); // read (and may fault) even when false
                if (FastCondition(d.Condition))
                    R(d.Reg0) = v;
                break;
            }
            case FastForm.AdcRR: R(d.Reg0) = Adc32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.AdcRI: R(d.Reg0) = Adc32(R(d.Reg0), d.Immediate); break;
            case FastForm.SbbRR: R(d.Reg0) = Sbb32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.SbbRI: R(d.Reg0) = Sbb32(R(d.Reg0), d.Immediate); break;
            case FastForm.ImulRR: R(d.Reg0) = Imul32(R(d.Reg0), R(d.Reg1)); break;
            case FastForm.ImulRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); R(d.Reg0) = Imul32(R(d.Reg0), src); break; }
            case FastForm.ImulRRI: R(d.Reg0) = Imul32(R(d.Reg1), d.Immediate); break;
            case FastForm.NegR: { uint a = R(d.Reg0); R(d.Reg0) = Sub32(0, a); break; }
            case FastForm.NotR: R(d.Reg0) = ~R(d.Reg0); break;
            case FastForm.XchgRR: { uint t = R(d.Reg0); R(d.Reg0) = R(d.Reg1); R(d.Reg1) = t; break; }
            case FastForm.PushI: Push32(d.Immediate); break;

            default: Execute(ref d); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetLow16(ref uint reg, uint value) => reg = (reg & 0xFFFF0000) | (value & 0xFFFF);

    /// <summary>ADD m32, r32/imm: the flags change only once the store succeeded (a faulting store leaves them).</summary>
    private void AddToMemory(ref DecodedInstruction d, uint src)
    {
        uint dst = UpdateMemory32(d.MemSegment, MemEa(ref d), RmwOp.Add, src);
        SetLazy(LazyFlagsOp.Add32, dst, src, dst + src);
    }

    /// <summary>AND/OR/XOR m32, r32 and INC/DEC m32: the flags change only once the store succeeded.</summary>
    private void ReadModifyWrite(ref DecodedInstruction d)
    {
        var (op, src) = d.Fast switch
        {
            FastForm.AndMR => (RmwOp.And, R(d.Reg1)),
            FastForm.OrMR => (RmwOp.Or, R(d.Reg1)),
            FastForm.XorMR => (RmwOp.Xor, R(d.Reg1)),
            FastForm.IncM => (RmwOp.Add, 1u),
            _ => (RmwOp.Sub, 1u),
        };
        uint dst = UpdateMemory32(d.MemSegment, MemEa(ref d), op, src);
        if (d.Fast == FastForm.IncM)
            SetLazyIncDec(LazyFlagsOp.Inc32, dst, dst + 1);
        else if (d.Fast == FastForm.DecM)
            SetLazyIncDec(LazyFlagsOp.Dec32, dst, dst - 1);
        else
            Logic32(RmwResult(op, dst, src));
    }

    /// <summary>
    /// m32 = m32 op src, writability checked before the read (as the general handlers' ReadDest): returns
    /// the old value. The fast forms above and translated code's slow path both store through here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint UpdateMemory32(int seg, ulong offset, RmwOp op, uint src)
    {
        ulong la = Linear(seg, offset, 4, write: true);
        uint dst = ReadLinear32(la);
        WriteLinear32(la, RmwResult(op, dst, src));
        return dst;
    }

    private static uint RmwResult(RmwOp op, uint dst, uint src) => op switch
    {
        RmwOp.Add => dst + src,
        RmwOp.Sub => dst - src,
        RmwOp.And => dst & src,
        RmwOp.Or => dst | src,
        _ => dst ^ src,
    };

    /// <summary>PUSH of a doubleword: one test of the stack size, then a plain store through SS.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Push32(uint value)
    {
        if (!Stack32)
        {
            PushValue(value, 4);
            return;
        }
        uint sp = R(Gpr.ESP) - 4;
        WriteMem32(Seg.SS, sp, value); // may fault: ESP changes only after the store
        R(Gpr.ESP) = sp;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Pop32()
    {
        if (!Stack32)
            return (uint)PopValue(4);
        uint sp = R(Gpr.ESP);
        uint v = ReadMem32(Seg.SS, sp);
        R(Gpr.ESP) = sp + 4;
        return v;
    }

    /// <summary>SHL/SHR/SAR/ROL/ROR r32, imm8 (or 1): a masked count of 0 changes nothing.</summary>
    private void ShiftRegister(ref DecodedInstruction d, ShiftOp op)
    {
        uint count = d.Immediate & 0x1F;
        if (count == 0)
            return;
        ref uint reg = ref R(d.Reg0);
        if (op is ShiftOp.Shl or ShiftOp.Shr or ShiftOp.Sar)
        {
            uint v = reg;
            reg = ShiftResult(op, v, count, 4);
            SetLazy(LazyShift(op, 4), v, count, reg);
            return;
        }
        reg = ShiftValue(op, reg, count, 4, out uint flags);
        Flags = flags;
    }

    /// <summary>The same on a 16-bit register (real-mode code).</summary>
    private void ShiftRegister16(ref DecodedInstruction d, ShiftOp op)
    {
        uint count = d.Immediate & 0x1F;
        if (count == 0)
            return;
        ref uint reg = ref R(d.Reg0);
        if (op is ShiftOp.Shl or ShiftOp.Shr or ShiftOp.Sar)
        {
            uint v = reg & 0xFFFF, r = ShiftResult(op, v, count, 2);
            SetLow16(ref reg, r);
            SetLazy(LazyShift(op, 2), v, count, r);
            return;
        }
        SetLow16(ref reg, ShiftValue(op, reg & 0xFFFF, count, 2, out uint flags));
        Flags = flags;
    }

    /// <summary>ADC r32, r32/imm: a + b + CF, the flags computed (no lazy form takes a carry in).</summary>
    private uint Adc32(uint a, uint b) => (uint)AddWithFlags(a, b, Flags & Eflags.CF, 4);

    /// <summary>SBB r32, r32/imm: a - b - CF, the flags computed.</summary>
    private uint Sbb32(uint a, uint b) => (uint)SubWithFlags(a, b, Flags & Eflags.CF, 4);

    /// <summary>IMUL r32, r/m32 (, imm): the low half, CF = OF = the product does not fit.</summary>
    private uint Imul32(uint a, uint b)
    {
        long product = (long)(int)a * (int)b;
        SetMulFlags((uint)product, (int)product != product, 4);
        return (uint)product;
    }

    /// <summary>ADD, SUB, AND, OR, XOR (in that order) on bytes, flags computed at once.</summary>
    private uint Alu8(int op, uint a, uint b) => (uint)(op switch
    {
        0 => AddWithFlags(a, b, 0, 1),
        1 => SubWithFlags(a, b, 0, 1),
        2 => LogicFlags(a & b, 1),
        3 => LogicFlags(a | b, 1),
        _ => LogicFlags(a ^ b, 1),
    });

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Sub8(uint a, uint b) => SetLazy(LazyFlagsOp.Sub8, a, b, (a - b) & 0xFF);

    // The ALU operations of the fast forms: the result now, the flags owed (Cpu/LazyFlags.cs).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Add32(uint a, uint b) { uint r = a + b; SetLazy(LazyFlagsOp.Add32, a, b, r); return r; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Sub32(uint a, uint b) { uint r = a - b; SetLazy(LazyFlagsOp.Sub32, a, b, r); return r; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Logic32(uint r) { SetLazy(LazyFlagsOp.Logic32, 0, 0, r); return r; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Add16(uint a, uint b) { a &= 0xFFFF; b &= 0xFFFF; uint r = (a + b) & 0xFFFF; SetLazy(LazyFlagsOp.Add16, a, b, r); return r; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Sub16(uint a, uint b) { a &= 0xFFFF; b &= 0xFFFF; uint r = (a - b) & 0xFFFF; SetLazy(LazyFlagsOp.Sub16, a, b, r); return r; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Logic16(uint r) { r &= 0xFFFF; SetLazy(LazyFlagsOp.Logic16, 0, 0, r); return r; }
}
