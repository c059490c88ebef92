using System.Runtime.CompilerServices;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Handlers of the 64-bit mode fast forms (<see cref="FastForm.MovRRQ"/> and after, chosen by
/// Decoding/FastForms64.cs): 64-bit registers and memory, the 64-bit stack and near branches. Each
/// does what the general handler does for that form (FastPathDifferentialTests checks it).
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>An imm8/imm32 of a 64-bit operation, sign-extended to 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ImmQ(ref DecodedInstruction d) => (ulong)(long)(int)d.Immediate;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExecuteFast64(ref DecodedInstruction d)
    {
        switch (d.Fast)
        {
            case FastForm.MovRRQ: R64(d.Reg0) = R64(d.Reg1); break;
            case FastForm.MovRIQ: R64(d.Reg0) = ImmQ(ref d); break;
            case FastForm.MovRMQ: R64(d.Reg0) = ReadMem64(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovMRQ: WriteMem64(d.MemSegment, MemEa(ref d), R64(d.Reg1)); break;
            case FastForm.MovMIQ: WriteMem64(d.MemSegment, MemEa(ref d), ImmQ(ref d)); break;

            case FastForm.AddRRQ: R64(d.Reg0) = Add64(R64(d.Reg0), R64(d.Reg1)); break;
            case FastForm.AddRIQ: R64(d.Reg0) = Add64(R64(d.Reg0), ImmQ(ref d)); break;
            case FastForm.AddRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = Add64(R64(d.Reg0), src); break; }
            case FastForm.AddMRQ: UpdateMemory64(ref d, R64(d.Reg1), subtract: false); break;
            case FastForm.AddMIQ: UpdateMemory64(ref d, ImmQ(ref d), subtract: false); break;

            case FastForm.SubRRQ: R64(d.Reg0) = Sub64(R64(d.Reg0), R64(d.Reg1)); break;
            case FastForm.SubRIQ: R64(d.Reg0) = Sub64(R64(d.Reg0), ImmQ(ref d)); break;
            case FastForm.SubRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = Sub64(R64(d.Reg0), src); break; }
            case FastForm.SubMRQ: UpdateMemory64(ref d, R64(d.Reg1), subtract: true); break;
            case FastForm.SubMIQ: UpdateMemory64(ref d, ImmQ(ref d), subtract: true); break;

            case FastForm.CmpRRQ: Sub64(R64(d.Reg0), R64(d.Reg1)); break;
            case FastForm.CmpRIQ: Sub64(R64(d.Reg0), ImmQ(ref d)); break;
            case FastForm.CmpRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); Sub64(R64(d.Reg0), src); break; }
            case FastForm.CmpMRQ: Sub64(ReadMem64(d.MemSegment, MemEa(ref d)), R64(d.Reg1)); break;
            case FastForm.CmpMIQ: Sub64(ReadMem64(d.MemSegment, MemEa(ref d)), ImmQ(ref d)); break;

            case FastForm.AndRRQ: R64(d.Reg0) = Logic64(R64(d.Reg0) & R64(d.Reg1)); break;
            case FastForm.AndRIQ: R64(d.Reg0) = Logic64(R64(d.Reg0) & ImmQ(ref d)); break;
            case FastForm.AndRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = Logic64(R64(d.Reg0) & src); break; }
            case FastForm.OrRRQ: R64(d.Reg0) = Logic64(R64(d.Reg0) | R64(d.Reg1)); break;
            case FastForm.OrRIQ: R64(d.Reg0) = Logic64(R64(d.Reg0) | ImmQ(ref d)); break;
            case FastForm.OrRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = Logic64(R64(d.Reg0) | src); break; }
            case FastForm.XorRRQ: R64(d.Reg0) = Logic64(R64(d.Reg0) ^ R64(d.Reg1)); break;
            case FastForm.XorRIQ: R64(d.Reg0) = Logic64(R64(d.Reg0) ^ ImmQ(ref d)); break;
            case FastForm.XorRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = Logic64(R64(d.Reg0) ^ src); break; }
            case FastForm.TestRRQ: Logic64(R64(d.Reg0) & R64(d.Reg1)); break;
            case FastForm.TestRIQ: Logic64(R64(d.Reg0) & ImmQ(ref d)); break;
            case FastForm.TestMRQ: Logic64(ReadMem64(d.MemSegment, MemEa(ref d)) & R64(d.Reg1)); break;
            case FastForm.TestMIQ: Logic64(ReadMem64(d.MemSegment, MemEa(ref d)) & ImmQ(ref d)); break;

            case FastForm.IncRQ: R64(d.Reg0) = IncDec64(R64(d.Reg0), inc: true); break;
            case FastForm.DecRQ: R64(d.Reg0) = IncDec64(R64(d.Reg0), inc: false); break;
            case FastForm.NegRQ: R64(d.Reg0) = Sub64(0, R64(d.Reg0)); break;
            case FastForm.NotRQ: R64(d.Reg0) = ~R64(d.Reg0); break;
            case FastForm.LeaRQ: R64(d.Reg0) = EffectiveAddress(ref d); break;

            case FastForm.PushRQ: PushQ(R64(d.Reg0)); break;
            case FastForm.PushIQ: PushQ(ImmQ(ref d)); break;
            case FastForm.PopRQ:
            {
                ulong sp = R64(Gpr.ESP);
                ulong v = ReadMem64(Seg.SS, sp);
                R64(Gpr.ESP) = sp + 8;
                R64(d.Reg0) = v; // POP RSP: the value read wins
                break;
            }
            case FastForm.JmpRelQ: JumpNear(d.Target); break;
            case FastForm.CallRelQ:
                CheckNearTarget(d.Target);
                PushQ(Rip);
                Rip = d.Target;
                break;
            case FastForm.RetQ:
            {
                ulong sp = R64(Gpr.ESP);
                ulong target = ReadMem64(Seg.SS, sp);
                CheckNearTarget(target);
                R64(Gpr.ESP) = sp + 8;
                Rip = target;
                break;
            }

            case FastForm.ShlRIQ: Shift64(ref d, ShiftOp.Shl); break;
            case FastForm.ShrRIQ: Shift64(ref d, ShiftOp.Shr); break;
            case FastForm.SarRIQ: Shift64(ref d, ShiftOp.Sar); break;

            case FastForm.MovsxdRR: R64(d.Reg0) = (ulong)(long)(int)R(d.Reg1); break;
            case FastForm.MovsxdRM: R64(d.Reg0) = (ulong)(long)(int)ReadMem32(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovzxRQ8: R64(d.Reg0) = Reg8(d.Access1, d.Reg1); break;
            case FastForm.MovzxRMQ8: R64(d.Reg0) = ReadMem8(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovsxRMQ8: R64(d.Reg0) = (ulong)(long)(sbyte)ReadMem8(d.MemSegment, MemEa(ref d)); break;

            case FastForm.CmovRRQ: if (FastCondition(d.Condition)) R64(d.Reg0) = R64(d.Reg1); break;
            case FastForm.CmovRMQ:
            {
                ulong v = ReadMem64(d.MemSegment, MemEa(ref d)); // read (and may fault) even when false
                if (FastCondition(d.Condition))
                    R64(d.Reg0) = v;
                break;
            }
            case FastForm.ImulRRQ: R64(d.Reg0) = ImulQ(R64(d.Reg0), R64(d.Reg1)); break;
            case FastForm.ImulRMQ: { ulong src = ReadMem64(d.MemSegment, MemEa(ref d)); R64(d.Reg0) = ImulQ(R64(d.Reg0), src); break; }
            case FastForm.ImulRRIQ: R64(d.Reg0) = ImulQ(R64(d.Reg1), ImmQ(ref d)); break;

            case FastForm.AdcRRQ: R64(d.Reg0) = AddWithFlags(R64(d.Reg0), R64(d.Reg1), Flags & Eflags.CF, 8); break;
            case FastForm.AdcRIQ: R64(d.Reg0) = AddWithFlags(R64(d.Reg0), ImmQ(ref d), Flags & Eflags.CF, 8); break;
            case FastForm.MovRIQ64: R64(d.Reg0) = d.I.Immediate64; break;

            case FastForm.NopQ: break;
            case FastForm.ShlRCQ: Shift(ref d, d.DataSize, ShiftOp.Shl); break;
            case FastForm.ShrRCQ: Shift(ref d, d.DataSize, ShiftOp.Shr); break;
            case FastForm.SarRCQ: Shift(ref d, d.DataSize, ShiftOp.Sar); break;
            case FastForm.TestM8IQ: LogicFlags(ReadMem8(d.MemSegment, MemEa(ref d)) & d.Immediate & 0xFF, 1); break;
            case FastForm.CmpR8MQ: Sub8(Reg8(d.Access0, d.Reg0), ReadMem8(d.MemSegment, MemEa(ref d))); break;

            default: Execute(ref d); break;
        }
    }

    /// <summary>PUSH of a quadword in 64-bit mode: the store first, so a fault leaves RSP.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PushQ(ulong value)
    {
        ulong sp = R64(Gpr.ESP) - 8;
        WriteMem64(Seg.SS, sp, value);
        R64(Gpr.ESP) = sp;
    }

    /// <summary>ADD/SUB m64, r64/imm: the flags change only once the store succeeded.</summary>
    private void UpdateMemory64(ref DecodedInstruction d, ulong src, bool subtract)
    {
        ulong la = Linear(d.MemSegment, MemEa(ref d), 8, write: true);
        ulong dst = ReadLinear64(la);
        ulong r = subtract ? dst - src : dst + src;
        WriteLinear64(la, r);
        SetLazy64(subtract ? LazyFlagsOp.Sub64 : LazyFlagsOp.Add64, dst, src, r);
    }

    /// <summary>IMUL r64, r/m64 (, imm): the low half, CF = OF = the product does not fit.</summary>
    private ulong ImulQ(ulong a, ulong b)
    {
        long high = Math.BigMul((long)a, (long)b, out long low);
        SetMulFlags((ulong)low, high != (low >> 63), 8);
        return (ulong)low;
    }
}
