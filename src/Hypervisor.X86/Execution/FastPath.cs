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

            case FastForm.AddRR: regs[d.Reg0] = Add32(regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.AddRI: regs[d.Reg0] = Add32(regs[d.Reg0], d.Immediate); break;
            case FastForm.AddRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); regs[d.Reg0] = Add32(regs[d.Reg0], src); break; }
            case FastForm.AddMR: AddToMemory(ref d, regs[d.Reg1]); break;
            case FastForm.AddMI: AddToMemory(ref d, d.Immediate); break;

            case FastForm.SubRR: regs[d.Reg0] = Sub32(regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.SubRI: regs[d.Reg0] = Sub32(regs[d.Reg0], d.Immediate); break;
            case FastForm.SubRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); regs[d.Reg0] = Sub32(regs[d.Reg0], src); break; }

            case FastForm.CmpRR: Sub32(regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.CmpRI: Sub32(regs[d.Reg0], d.Immediate); break;
            case FastForm.CmpRM: { uint src = ReadMem32(d.MemSegment, MemEa(ref d)); Sub32(regs[d.Reg0], src); break; }
            case FastForm.CmpMR: Sub32(ReadMem32(d.MemSegment, MemEa(ref d)), regs[d.Reg1]); break;
            case FastForm.CmpMI: Sub32(ReadMem32(d.MemSegment, MemEa(ref d)), d.Immediate); break;
            case FastForm.CmpM8I:
            {
                uint a = ReadMem8(d.MemSegment, MemEa(ref d)), b = d.Immediate & 0xFF;
                SetLazy(LazyFlagsOp.Sub8, a, b, (a - b) & 0xFF);
                break;
            }

            case FastForm.AndRR: regs[d.Reg0] = Logic32(regs[d.Reg0] & regs[d.Reg1]); break;
            case FastForm.AndRI: regs[d.Reg0] = Logic32(regs[d.Reg0] & d.Immediate); break;
            case FastForm.OrRR: regs[d.Reg0] = Logic32(regs[d.Reg0] | regs[d.Reg1]); break;
            case FastForm.OrRI: regs[d.Reg0] = Logic32(regs[d.Reg0] | d.Immediate); break;
            case FastForm.XorRR: regs[d.Reg0] = Logic32(regs[d.Reg0] ^ regs[d.Reg1]); break;
            case FastForm.XorRI: regs[d.Reg0] = Logic32(regs[d.Reg0] ^ d.Immediate); break;
            case FastForm.TestRR: Logic32(regs[d.Reg0] & regs[d.Reg1]); break;
            case FastForm.TestRI: Logic32(regs[d.Reg0] & d.Immediate); break;

            case FastForm.IncR: { uint a = regs[d.Reg0], r = a + 1; SetLazyIncDec(LazyFlagsOp.Inc32, a, r); regs[d.Reg0] = r; break; }
            case FastForm.DecR: { uint a = regs[d.Reg0], r = a - 1; SetLazyIncDec(LazyFlagsOp.Dec32, a, r); regs[d.Reg0] = r; break; }
            case FastForm.LeaR: regs[d.Reg0] = EffectiveAddress(ref d); break;

            case FastForm.PushR: PushValue(regs[d.Reg0], 4); break;
            case FastForm.PopR: { uint v = PopValue(4); regs[d.Reg0] = v; break; }

            case FastForm.Jcc:
                if (FastCondition(d.Condition))
                    JumpNear(d.Target);
                break;
            case FastForm.JmpRel: JumpNear(d.Target); break;
            case FastForm.CallRel: CallNear(d.Target, d.OpSize); break;
            case FastForm.Ret: RetNear(ref d); break;

            case FastForm.MovRR16: SetLow16(ref regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.MovRI16: SetLow16(ref regs[d.Reg0], d.Immediate); break;
            case FastForm.MovRM16: SetLow16(ref regs[d.Reg0], ReadMem16(d.MemSegment, MemEa(ref d))); break;
            case FastForm.MovMR16: WriteMem16(d.MemSegment, MemEa(ref d), (ushort)regs[d.Reg1]); break;
            case FastForm.AddRR16: SetLow16(ref regs[d.Reg0], Add16(regs[d.Reg0], regs[d.Reg1])); break;
            case FastForm.AddRI16: SetLow16(ref regs[d.Reg0], Add16(regs[d.Reg0], d.Immediate)); break;
            case FastForm.AddRM16: { uint src = ReadMem16(d.MemSegment, MemEa(ref d)); SetLow16(ref regs[d.Reg0], Add16(regs[d.Reg0], src)); break; }
            case FastForm.SubRR16: SetLow16(ref regs[d.Reg0], Sub16(regs[d.Reg0], regs[d.Reg1])); break;
            case FastForm.SubRI16: SetLow16(ref regs[d.Reg0], Sub16(regs[d.Reg0], d.Immediate)); break;
            case FastForm.CmpRR16: Sub16(regs[d.Reg0], regs[d.Reg1]); break;
            case FastForm.CmpRI16: Sub16(regs[d.Reg0], d.Immediate); break;
            case FastForm.CmpRM16: { uint src = ReadMem16(d.MemSegment, MemEa(ref d)); Sub16(regs[d.Reg0], src); break; }
            case FastForm.AndRI16: SetLow16(ref regs[d.Reg0], Logic16(regs[d.Reg0] & d.Immediate)); break;
            case FastForm.OrRR16: SetLow16(ref regs[d.Reg0], Logic16(regs[d.Reg0] | regs[d.Reg1])); break;
            case FastForm.XorRR16: SetLow16(ref regs[d.Reg0], Logic16(regs[d.Reg0] ^ regs[d.Reg1])); break;
            case FastForm.XorRI16: SetLow16(ref regs[d.Reg0], Logic16(regs[d.Reg0] ^ d.Immediate)); break;
            case FastForm.IncR16: { uint a = regs[d.Reg0] & 0xFFFF, r = (a + 1) & 0xFFFF; SetLazyIncDec(LazyFlagsOp.Inc16, a, r); SetLow16(ref regs[d.Reg0], r); break; }
            case FastForm.DecR16: { uint a = regs[d.Reg0] & 0xFFFF, r = (a - 1) & 0xFFFF; SetLazyIncDec(LazyFlagsOp.Dec16, a, r); SetLow16(ref regs[d.Reg0], r); break; }

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
        uint r = dst + src;
        WriteLinear32(la, r);
        SetLazy(LazyFlagsOp.Add32, dst, src, r);
    }

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
