using System.Runtime.CompilerServices;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

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
    private uint MemEa(ref DecodedInstruction d) => EffectiveAddress(ref d);

    private void ExecuteFast(ref DecodedInstruction d)
    {
        uint[] regs = Regs;
        switch (d.Fast)
        {
            case FastForm.MovRR: regs[d.Reg0] = regs[d.Reg1]; break;
            case FastForm.MovRI: regs[d.Reg0] = d.Immediate; break;
            case FastForm.MovRM: regs[d.Reg0] = ReadMem32(d.MemSegment, MemEa(ref d)); break;
            case FastForm.MovMR: WriteMem32(d.MemSegment, MemEa(ref d), regs[d.Reg1]); break;
            case FastForm.MovMI: WriteMem32(d.MemSegment, MemEa(ref d), d.Immediate); break;
            case FastForm.MovM8I: WriteMem8(d.MemSegment, MemEa(ref d), (byte)d.Immediate); break;
            case FastForm.MovRM8Zx: regs[d.Reg0] = ReadMem8(d.MemSegment, MemEa(ref d)); break;

            case FastForm.AddRR: regs[d.Reg0] = AddWithFlags(regs[d.Reg0], regs[d.Reg1], 0, 4); break;
            case FastForm.AddRI: regs[d.Reg0] = AddWithFlags(regs[d.Reg0], d.Immediate, 0, 4); break;
            case FastForm.AddRM:
            {
                uint src = ReadMem32(d.MemSegment, MemEa(ref d));
                regs[d.Reg0] = AddWithFlags(regs[d.Reg0], src, 0, 4);
                break;
            }
            case FastForm.AddMR: AddToMemory(ref d, regs[d.Reg1]); break;
            case FastForm.AddMI: AddToMemory(ref d, d.Immediate); break;

            case FastForm.SubRR: regs[d.Reg0] = SubWithFlags(regs[d.Reg0], regs[d.Reg1], 0, 4); break;
            case FastForm.SubRI: regs[d.Reg0] = SubWithFlags(regs[d.Reg0], d.Immediate, 0, 4); break;
            case FastForm.SubRM:
            {
                uint src = ReadMem32(d.MemSegment, MemEa(ref d));
                regs[d.Reg0] = SubWithFlags(regs[d.Reg0], src, 0, 4);
                break;
            }

            case FastForm.CmpRR: SubWithFlags(regs[d.Reg0], regs[d.Reg1], 0, 4); break;
            case FastForm.CmpRI: SubWithFlags(regs[d.Reg0], d.Immediate, 0, 4); break;
            case FastForm.CmpRM:
            {
                uint src = ReadMem32(d.MemSegment, MemEa(ref d));
                SubWithFlags(regs[d.Reg0], src, 0, 4);
                break;
            }
            case FastForm.CmpMR: SubWithFlags(ReadMem32(d.MemSegment, MemEa(ref d)), regs[d.Reg1], 0, 4); break;
            case FastForm.CmpMI: SubWithFlags(ReadMem32(d.MemSegment, MemEa(ref d)), d.Immediate, 0, 4); break;
            case FastForm.CmpM8I: SubWithFlags(ReadMem8(d.MemSegment, MemEa(ref d)), d.Immediate & 0xFF, 0, 1); break;

            case FastForm.AndRR: regs[d.Reg0] = LogicFlags(regs[d.Reg0] & regs[d.Reg1], 4); break;
            case FastForm.AndRI: regs[d.Reg0] = LogicFlags(regs[d.Reg0] & d.Immediate, 4); break;
            case FastForm.OrRR: regs[d.Reg0] = LogicFlags(regs[d.Reg0] | regs[d.Reg1], 4); break;
            case FastForm.OrRI: regs[d.Reg0] = LogicFlags(regs[d.Reg0] | d.Immediate, 4); break;
            case FastForm.XorRR: regs[d.Reg0] = LogicFlags(regs[d.Reg0] ^ regs[d.Reg1], 4); break;
            case FastForm.XorRI: regs[d.Reg0] = LogicFlags(regs[d.Reg0] ^ d.Immediate, 4); break;
            case FastForm.TestRR: LogicFlags(regs[d.Reg0] & regs[d.Reg1], 4); break;
            case FastForm.TestRI: LogicFlags(regs[d.Reg0] & d.Immediate, 4); break;

            case FastForm.IncR: regs[d.Reg0] = IncDecWithFlags(regs[d.Reg0], increment: true, 4); break;
            case FastForm.DecR: regs[d.Reg0] = IncDecWithFlags(regs[d.Reg0], increment: false, 4); break;
            case FastForm.LeaR: regs[d.Reg0] = EffectiveAddress(ref d); break;

            case FastForm.PushR: PushValue(regs[d.Reg0], 4); break;
            case FastForm.PopR: { uint v = PopValue(4); regs[d.Reg0] = v; break; }

            case FastForm.Jcc:
                if (Condition(d.Condition))
                    JumpNear(d.Target);
                break;
            case FastForm.JmpRel: JumpNear(d.Target); break;
            case FastForm.CallRel: CallNear(d.Target, d.OpSize); break;
            case FastForm.Ret: RetNear(ref d); break;

            case FastForm.MovRR16: SetLow16(ref regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.MovRI16: SetLow16(ref regs[d.Reg0], d.Immediate); break;
            case FastForm.MovRM16: SetLow16(ref regs[d.Reg0], ReadMem16(d.MemSegment, MemEa(ref d))); break;
            case FastForm.MovMR16: WriteMem16(d.MemSegment, MemEa(ref d), (ushort)regs[d.Reg1]); break;
            case FastForm.AddRR16: SetLow16(ref regs[d.Reg0], AddWithFlags(regs[d.Reg0] & 0xFFFF, regs[d.Reg1] & 0xFFFF, 0, 2)); break;
            case FastForm.AddRI16: SetLow16(ref regs[d.Reg0], AddWithFlags(regs[d.Reg0] & 0xFFFF, d.Immediate & 0xFFFF, 0, 2)); break;
            case FastForm.AddRM16:
            {
                uint src = ReadMem16(d.MemSegment, MemEa(ref d));
                SetLow16(ref regs[d.Reg0], AddWithFlags(regs[d.Reg0] & 0xFFFF, src, 0, 2));
                break;
            }
            case FastForm.SubRR16: SetLow16(ref regs[d.Reg0], SubWithFlags(regs[d.Reg0] & 0xFFFF, regs[d.Reg1] & 0xFFFF, 0, 2)); break;
            case FastForm.SubRI16: SetLow16(ref regs[d.Reg0], SubWithFlags(regs[d.Reg0] & 0xFFFF, d.Immediate & 0xFFFF, 0, 2)); break;
            case FastForm.CmpRR16: SubWithFlags(regs[d.Reg0] & 0xFFFF, regs[d.Reg1] & 0xFFFF, 0, 2); break;
            case FastForm.CmpRI16: SubWithFlags(regs[d.Reg0] & 0xFFFF, d.Immediate & 0xFFFF, 0, 2); break;
            case FastForm.CmpRM16:
            {
                uint src = ReadMem16(d.MemSegment, MemEa(ref d));
                SubWithFlags(regs[d.Reg0] & 0xFFFF, src, 0, 2);
                break;
            }
            case FastForm.AndRI16: SetLow16(ref regs[d.Reg0], LogicFlags(regs[d.Reg0] & d.Immediate & 0xFFFF, 2)); break;
            case FastForm.OrRR16: SetLow16(ref regs[d.Reg0], LogicFlags((regs[d.Reg0] | regs[d.Reg1]) & 0xFFFF, 2)); break;
            case FastForm.XorRR16: SetLow16(ref regs[d.Reg0], LogicFlags((regs[d.Reg0] ^ regs[d.Reg1]) & 0xFFFF, 2)); break;
            case FastForm.XorRI16: SetLow16(ref regs[d.Reg0], LogicFlags((regs[d.Reg0] ^ d.Immediate) & 0xFFFF, 2)); break;
            case FastForm.IncR16: SetLow16(ref regs[d.Reg0], IncDecWithFlags(regs[d.Reg0] & 0xFFFF, increment: true, 2)); break;
            case FastForm.DecR16: SetLow16(ref regs[d.Reg0], IncDecWithFlags(regs[d.Reg0] & 0xFFFF, increment: false, 2)); break;

            default: Execute(ref d); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetLow16(ref uint reg, uint value) => reg = (reg & 0xFFFF0000) | (value & 0xFFFF);

    /// <summary>ADD m32, r32/imm: the flags change only once the store succeeded (a faulting store leaves them).</summary>
    private void AddToMemory(ref DecodedInstruction d, uint src)
    {
        uint la = Linear(d.MemSegment, MemEa(ref d), 4, write: true);
        uint dst = ReadLinear32(la);
        uint saved = Flags;
        uint r = AddWithFlags(dst, src, 0, 4);
        uint flags = Flags;
        Flags = saved;
        WriteLinear32(la, r);
        Flags = flags;
    }
}
