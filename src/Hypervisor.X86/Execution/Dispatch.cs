using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Maps each decoded instruction to its semantics in the group files.</summary>
internal sealed partial class Cpu
{
    private void Execute(ref DecodedInstruction d)
    {
        int size = d.DataSize;
        switch (d.I.Mnemonic)
        {
            // Arithmetic.cs
            case Mnemonic.Add: Add(ref d, size, carry: false); break;
            case Mnemonic.Adc: Add(ref d, size, carry: true); break;
            case Mnemonic.Sub: Sub(ref d, size, borrow: false, store: true); break;
            case Mnemonic.Sbb: Sub(ref d, size, borrow: true, store: true); break;
            case Mnemonic.Cmp: Sub(ref d, size, borrow: false, store: false); break;
            case Mnemonic.Inc: IncDec(ref d, size, increment: true); break;
            case Mnemonic.Dec: IncDec(ref d, size, increment: false); break;
            case Mnemonic.Neg: Neg(ref d, size); break;
            case Mnemonic.Xadd: Xadd(ref d, size); break;
            case Mnemonic.Cmpxchg: Cmpxchg(ref d, size); break;
            case Mnemonic.Cmpxchg8b: Cmpxchg8b(ref d); break;
            // Logic.cs
            case Mnemonic.And: Logic(ref d, size, LogicOp.And, store: true); break;
            case Mnemonic.Or: Logic(ref d, size, LogicOp.Or, store: true); break;
            case Mnemonic.Xor: Logic(ref d, size, LogicOp.Xor, store: true); break;
            case Mnemonic.Test: Logic(ref d, size, LogicOp.And, store: false); break;
            case Mnemonic.Not: Not(ref d, size); break;
            case Mnemonic.Bt: BitTest(ref d, BitOp.Test); break;
            case Mnemonic.Bts: BitTest(ref d, BitOp.Set); break;
            case Mnemonic.Btr: BitTest(ref d, BitOp.Reset); break;
            case Mnemonic.Btc: BitTest(ref d, BitOp.Complement); break;
            case Mnemonic.Bsf: BitScan(ref d, forward: true); break;
            case Mnemonic.Bsr: BitScan(ref d, forward: false); break;
            // Shifts.cs
            case Mnemonic.Shl: case Mnemonic.Sal: Shift(ref d, size, ShiftOp.Shl); break;
            case Mnemonic.Shr: Shift(ref d, size, ShiftOp.Shr); break;
            case Mnemonic.Sar: Shift(ref d, size, ShiftOp.Sar); break;
            case Mnemonic.Rol: Shift(ref d, size, ShiftOp.Rol); break;
            case Mnemonic.Ror: Shift(ref d, size, ShiftOp.Ror); break;
            case Mnemonic.Rcl: Shift(ref d, size, ShiftOp.Rcl); break;
            case Mnemonic.Rcr: Shift(ref d, size, ShiftOp.Rcr); break;
            case Mnemonic.Shld: DoubleShift(ref d, size, left: true); break;
            case Mnemonic.Shrd: DoubleShift(ref d, size, left: false); break;
            // MulDiv.cs
            case Mnemonic.Mul: Mul(ref d, size); break;
            case Mnemonic.Imul: Imul(ref d, size); break;
            case Mnemonic.Div: Div(ref d, size); break;
            case Mnemonic.Idiv: Idiv(ref d, size); break;
            // Bcd.cs
            case Mnemonic.Daa: Daa(); break;
            case Mnemonic.Das: Das(); break;
            case Mnemonic.Aaa: Aaa(); break;
            case Mnemonic.Aas: Aas(); break;
            case Mnemonic.Aam: Aam(d.I.Immediate8); break;
            case Mnemonic.Aad: Aad(d.I.Immediate8); break;
            // DataTransfer.cs
            case Mnemonic.Mov: Mov(ref d, size); break;
            case Mnemonic.Movzx: Movx(ref d, signExtend: false); break;
            case Mnemonic.Movsx: Movx(ref d, signExtend: true); break;
            case Mnemonic.Xchg: Xchg(ref d, size); break;
            case Mnemonic.Lea: Lea(ref d); break;
            case Mnemonic.Cbw: case Mnemonic.Cwde: ConvertAccumulator(d.OpSize); break;
            case Mnemonic.Cwd: case Mnemonic.Cdq: ConvertToDx(d.OpSize); break;
            case Mnemonic.Xlatb: Xlat(ref d); break;
            case Mnemonic.Bswap: Bswap(ref d); break;
            case Mnemonic.Lds: LoadFarPointer(ref d, Seg.DS); break;
            case Mnemonic.Les: LoadFarPointer(ref d, Seg.ES); break;
            case Mnemonic.Lfs: LoadFarPointer(ref d, Seg.FS); break;
            case Mnemonic.Lgs: LoadFarPointer(ref d, Seg.GS); break;
            case Mnemonic.Lss: LoadFarPointer(ref d, Seg.SS); break;
            case Mnemonic.Nop: case Mnemonic.Pause: break;
            // Stack.cs
            case Mnemonic.Push: Push(ref d); break;
            case Mnemonic.Pop: Pop(ref d); break;
            case Mnemonic.Pusha: case Mnemonic.Pushad: Pusha(d.OpSize); break;
            case Mnemonic.Popa: case Mnemonic.Popad: Popa(d.OpSize); break;
            case Mnemonic.Pushf: case Mnemonic.Pushfd: Pushf(d.OpSize); break;
            case Mnemonic.Popf: case Mnemonic.Popfd: Popf(d.OpSize); break;
            case Mnemonic.Enter: Enter(ref d); break;
            case Mnemonic.Leave: Leave(d.OpSize); break;
            // ControlTransfer.cs
            case Mnemonic.Jmp: Jmp(ref d); break;
            case Mnemonic.Call: Call(ref d); break;
            case Mnemonic.Ret: RetNear(ref d); break;
            case Mnemonic.Retf: RetFar(ref d); break;
            case Mnemonic.Loop: Loop(ref d, LoopKind.Always); break;
            case Mnemonic.Loope: Loop(ref d, LoopKind.WhileEqual); break;
            case Mnemonic.Loopne: Loop(ref d, LoopKind.WhileNotEqual); break;
            case Mnemonic.Jcxz: case Mnemonic.Jecxz: Jcxz(ref d); break;
            case Mnemonic.Int: SoftwareInterrupt(d.I.Immediate8); break;
            case Mnemonic.Int3: SoftwareInterrupt(Vector.BP); break;
            case Mnemonic.Into: Into(); break;
            case Mnemonic.Int1: RaiseTrap(Vector.DB); break;
            case Mnemonic.Iret: case Mnemonic.Iretd: Iret(d.OpSize); break;
            case Mnemonic.Bound: Bound(ref d); break;
            // FlagsOps.cs
            case Mnemonic.Clc: Flags &= ~Eflags.CF; break;
            case Mnemonic.Stc: Flags |= Eflags.CF; break;
            case Mnemonic.Cmc: Flags ^= Eflags.CF; break;
            case Mnemonic.Cld: Flags &= ~Eflags.DF; break;
            case Mnemonic.Std: Flags |= Eflags.DF; break;
            case Mnemonic.Cli: Cli(); break;
            case Mnemonic.Sti: Sti(); break;
            case Mnemonic.Lahf: Lahf(); break;
            case Mnemonic.Sahf: Sahf(); break;
            case Mnemonic.Salc: WriteReg(Register.AL, CF ? 0xFFu : 0); break;
            // IoInstructions.cs
            case Mnemonic.In: In(ref d); break;
            case Mnemonic.Out: Out(ref d); break;
            case Mnemonic.Insb: Ins(ref d, 1); break;
            case Mnemonic.Insw: Ins(ref d, 2); break;
            case Mnemonic.Insd: Ins(ref d, 4); break;
            case Mnemonic.Outsb: Outs(ref d, 1); break;
            case Mnemonic.Outsw: Outs(ref d, 2); break;
            case Mnemonic.Outsd: Outs(ref d, 4); break;
            // StringOps.cs
            case Mnemonic.Movsb: StringOp(ref d, StringKind.Movs, 1); break;
            case Mnemonic.Movsw: StringOp(ref d, StringKind.Movs, 2); break;
            case Mnemonic.Movsd when d.I.Code == Code.Movsd_m32_m32: StringOp(ref d, StringKind.Movs, 4); break;
            case Mnemonic.Cmpsb: StringOp(ref d, StringKind.Cmps, 1); break;
            case Mnemonic.Cmpsw: StringOp(ref d, StringKind.Cmps, 2); break;
            case Mnemonic.Cmpsd when d.I.Code == Code.Cmpsd_m32_m32: StringOp(ref d, StringKind.Cmps, 4); break;
            case Mnemonic.Stosb: StringOp(ref d, StringKind.Stos, 1); break;
            case Mnemonic.Stosw: StringOp(ref d, StringKind.Stos, 2); break;
            case Mnemonic.Stosd: StringOp(ref d, StringKind.Stos, 4); break;
            case Mnemonic.Lodsb: StringOp(ref d, StringKind.Lods, 1); break;
            case Mnemonic.Lodsw: StringOp(ref d, StringKind.Lods, 2); break;
            case Mnemonic.Lodsd: StringOp(ref d, StringKind.Lods, 4); break;
            case Mnemonic.Scasb: StringOp(ref d, StringKind.Scas, 1); break;
            case Mnemonic.Scasw: StringOp(ref d, StringKind.Scas, 2); break;
            case Mnemonic.Scasd: StringOp(ref d, StringKind.Scas, 4); break;
            default:
                if (d.I.ConditionCode != ConditionCode.None && ExecuteConditional(ref d))
                    break;
                if (!ExecuteSystem(ref d) && !ExecuteFpu(ref d))
                    throw NotImplemented(ref d);
                break;
        }
    }

    /// <summary>Jcc, SETcc, CMOVcc.</summary>
    private bool ExecuteConditional(ref DecodedInstruction d)
    {
        bool taken = Condition((int)d.I.ConditionCode - 1);
        if (d.I.IsJccShortOrNear)
        {
            if (taken)
                JumpNear(NearTarget(ref d));
            return true;
        }
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Seto: case Mnemonic.Setno: case Mnemonic.Setb: case Mnemonic.Setae:
            case Mnemonic.Sete: case Mnemonic.Setne: case Mnemonic.Setbe: case Mnemonic.Seta:
            case Mnemonic.Sets: case Mnemonic.Setns: case Mnemonic.Setp: case Mnemonic.Setnp:
            case Mnemonic.Setl: case Mnemonic.Setge: case Mnemonic.Setle: case Mnemonic.Setg:
                WriteOp(ref d, 0, 1, taken ? 1u : 0u);
                return true;
            case Mnemonic.Cmovo: case Mnemonic.Cmovno: case Mnemonic.Cmovb: case Mnemonic.Cmovae:
            case Mnemonic.Cmove: case Mnemonic.Cmovne: case Mnemonic.Cmovbe: case Mnemonic.Cmova:
            case Mnemonic.Cmovs: case Mnemonic.Cmovns: case Mnemonic.Cmovp: case Mnemonic.Cmovnp:
            case Mnemonic.Cmovl: case Mnemonic.Cmovge: case Mnemonic.Cmovle: case Mnemonic.Cmovg:
            {
                // The source is read (and may fault) even when the condition is false.
                uint v = ReadOp(ref d, 1, d.DataSize);
                if (taken)
                    WriteReg(d.I.Op0Register, v);
                return true;
            }
        }
        return false;
    }
}
