using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Maps each decoded instruction to its semantics in the group files.</summary>
internal sealed partial class Cpu
{
    private void Execute(ref DecodedInstruction d)
    {
        if (InterpreterStatistics.Enabled)
            InterpreterStatistics.RecordGeneral(in d.I);
        if (d.Atomic && !_inAtomic)
        {
            ExecuteAtomic(ref d); // a locked read-modify-write on a VM with several vCPUs (Smp/CpuAtomics.cs)
            return;
        }
        int size = d.DataSize;
        switch (d.Op)
        {
            // Arithmetic.cs
            case ExecOp.Add: Add(ref d, size, carry: false); break;
            case ExecOp.Adc: Add(ref d, size, carry: true); break;
            case ExecOp.Sub: Sub(ref d, size, borrow: false, store: true); break;
            case ExecOp.Sbb: Sub(ref d, size, borrow: true, store: true); break;
            case ExecOp.Cmp: Sub(ref d, size, borrow: false, store: false); break;
            case ExecOp.Inc: IncDec(ref d, size, increment: true); break;
            case ExecOp.Dec: IncDec(ref d, size, increment: false); break;
            case ExecOp.Neg: Neg(ref d, size); break;
            case ExecOp.Xadd: Xadd(ref d, size); break;
            case ExecOp.Cmpxchg: Cmpxchg(ref d, size); break;
            case ExecOp.Cmpxchg8b: Cmpxchg8b(ref d); break;
            case ExecOp.Cmpxchg16b: Cmpxchg16b(ref d); break;
            // Logic.cs
            case ExecOp.And: Logic(ref d, size, LogicOp.And, store: true); break;
            case ExecOp.Or: Logic(ref d, size, LogicOp.Or, store: true); break;
            case ExecOp.Xor: Logic(ref d, size, LogicOp.Xor, store: true); break;
            case ExecOp.Test: Logic(ref d, size, LogicOp.And, store: false); break;
            case ExecOp.Not: Not(ref d, size); break;
            case ExecOp.Bt: BitTest(ref d, BitOp.Test); break;
            case ExecOp.Bts: BitTest(ref d, BitOp.Set); break;
            case ExecOp.Btr: BitTest(ref d, BitOp.Reset); break;
            case ExecOp.Btc: BitTest(ref d, BitOp.Complement); break;
            case ExecOp.Bsf: BitScan(ref d, forward: true); break;
            case ExecOp.Bsr: BitScan(ref d, forward: false); break;
            // Shifts.cs
            case ExecOp.Shl: case ExecOp.Sal: Shift(ref d, size, ShiftOp.Shl); break;
            case ExecOp.Shr: Shift(ref d, size, ShiftOp.Shr); break;
            case ExecOp.Sar: Shift(ref d, size, ShiftOp.Sar); break;
            case ExecOp.Rol: Shift(ref d, size, ShiftOp.Rol); break;
            case ExecOp.Ror: Shift(ref d, size, ShiftOp.Ror); break;
            case ExecOp.Rcl: Shift(ref d, size, ShiftOp.Rcl); break;
            case ExecOp.Rcr: Shift(ref d, size, ShiftOp.Rcr); break;
            case ExecOp.Shld: DoubleShift(ref d, size, left: true); break;
            case ExecOp.Shrd: DoubleShift(ref d, size, left: false); break;
            // MulDiv.cs
            case ExecOp.Mul: Mul(ref d, size); break;
            case ExecOp.Imul: Imul(ref d, size); break;
            case ExecOp.Div: Div(ref d, size); break;
            case ExecOp.Idiv: Idiv(ref d, size); break;
            // Bcd.cs
            case ExecOp.Daa: Daa(); break;
            case ExecOp.Das: Das(); break;
            case ExecOp.Aaa: Aaa(); break;
            case ExecOp.Aas: Aas(); break;
            case ExecOp.Aam: Aam(d.I.Immediate8); break;
            case ExecOp.Aad: Aad(d.I.Immediate8); break;
            // DataTransfer.cs
            case ExecOp.Mov: Mov(ref d, size); break;
            case ExecOp.Movzx: Movx(ref d, signExtend: false); break;
            case ExecOp.Movsx: case ExecOp.Movsxd: Movx(ref d, signExtend: true); break;
            case ExecOp.Xchg: Xchg(ref d, size); break;
            case ExecOp.Lea: Lea(ref d); break;
            case ExecOp.Cbw: case ExecOp.Cwde: case ExecOp.Cdqe: ConvertAccumulator(d.OpSize); break;
            case ExecOp.Cwd: case ExecOp.Cdq: case ExecOp.Cqo: ConvertToDx(d.OpSize); break;
            case ExecOp.Xlatb: Xlat(ref d); break;
            case ExecOp.Bswap: Bswap(ref d); break;
            case ExecOp.Lds: LoadFarPointer(ref d, Seg.DS); break;
            case ExecOp.Les: LoadFarPointer(ref d, Seg.ES); break;
            case ExecOp.Lfs: LoadFarPointer(ref d, Seg.FS); break;
            case ExecOp.Lgs: LoadFarPointer(ref d, Seg.GS); break;
            case ExecOp.Lss: LoadFarPointer(ref d, Seg.SS); break;
            case ExecOp.Nop: case ExecOp.Pause: break;
            case ExecOp.Reservednop: ReservedNop(ref d); break;
            // Stack.cs
            case ExecOp.Push: Push(ref d); break;
            case ExecOp.Pop: Pop(ref d); break;
            case ExecOp.Pusha: case ExecOp.Pushad: Pusha(d.OpSize); break;
            case ExecOp.Popa: case ExecOp.Popad: Popa(d.OpSize); break;
            case ExecOp.Pushf: case ExecOp.Pushfd: case ExecOp.Pushfq: Pushf(d.OpSize); break;
            case ExecOp.Popf: case ExecOp.Popfd: case ExecOp.Popfq: Popf(d.OpSize); break;
            case ExecOp.Enter: Enter(ref d); break;
            case ExecOp.Leave: Leave(d.OpSize); break;
            // ControlTransfer.cs
            case ExecOp.Jmp: Jmp(ref d); break;
            case ExecOp.Call: Call(ref d); break;
            case ExecOp.Ret: RetNear(ref d); break;
            case ExecOp.Retf: RetFar(ref d); break;
            case ExecOp.Loop: Loop(ref d, LoopKind.Always); break;
            case ExecOp.Loope: Loop(ref d, LoopKind.WhileEqual); break;
            case ExecOp.Loopne: Loop(ref d, LoopKind.WhileNotEqual); break;
            case ExecOp.Jcxz: case ExecOp.Jecxz: case ExecOp.Jrcxz: Jcxz(ref d); break;
            case ExecOp.Int: SoftwareInterrupt(d.I.Immediate8); break;
            case ExecOp.Int3: SoftwareInterrupt(Vector.BP); break;
            case ExecOp.Into: Into(); break;
            case ExecOp.Int1: RaiseTrap(Vector.DB); break;
            case ExecOp.Iret: case ExecOp.Iretd: case ExecOp.Iretq:
                if (LongModeActive)
                    IretLong(d.OpSize);
                else
                    Iret(d.OpSize);
                break;
            case ExecOp.Syscall: Syscall(); break;
            case ExecOp.Sysret: case ExecOp.Sysretq: Sysret(ref d); break;
            case ExecOp.Bound: Bound(ref d); break;
            // FlagsOps.cs
            case ExecOp.Clc: Flags &= ~Eflags.CF; break;
            case ExecOp.Stc: Flags |= Eflags.CF; break;
            case ExecOp.Cmc: Flags ^= Eflags.CF; break;
            case ExecOp.Cld: Flags &= ~Eflags.DF; break;
            case ExecOp.Std: Flags |= Eflags.DF; break;
            case ExecOp.Cli: Cli(); break;
            case ExecOp.Sti: Sti(); break;
            case ExecOp.Lahf: Lahf(); break;
            case ExecOp.Sahf: Sahf(); break;
            case ExecOp.Salc: WriteReg(Register.AL, CF ? 0xFFu : 0); break;
            // IoInstructions.cs
            case ExecOp.In: In(ref d); break;
            case ExecOp.Out: Out(ref d); break;
            case ExecOp.Insb: Ins(ref d, 1); break;
            case ExecOp.Insw: Ins(ref d, 2); break;
            case ExecOp.Insd: Ins(ref d, 4); break;
            case ExecOp.Outsb: Outs(ref d, 1); break;
            case ExecOp.Outsw: Outs(ref d, 2); break;
            case ExecOp.Outsd: Outs(ref d, 4); break;
            // StringOps.cs
            case ExecOp.Movsb: StringOp(ref d, StringKind.Movs, 1); break;
            case ExecOp.Movsw: StringOp(ref d, StringKind.Movs, 2); break;
            case ExecOp.Movsd when d.I.Code == Code.Movsd_m32_m32: StringOp(ref d, StringKind.Movs, 4); break;
            case ExecOp.Cmpsb: StringOp(ref d, StringKind.Cmps, 1); break;
            case ExecOp.Cmpsw: StringOp(ref d, StringKind.Cmps, 2); break;
            case ExecOp.Cmpsd when d.I.Code == Code.Cmpsd_m32_m32: StringOp(ref d, StringKind.Cmps, 4); break;
            case ExecOp.Stosb: StringOp(ref d, StringKind.Stos, 1); break;
            case ExecOp.Stosw: StringOp(ref d, StringKind.Stos, 2); break;
            case ExecOp.Stosd: StringOp(ref d, StringKind.Stos, 4); break;
            case ExecOp.Lodsb: StringOp(ref d, StringKind.Lods, 1); break;
            case ExecOp.Lodsw: StringOp(ref d, StringKind.Lods, 2); break;
            case ExecOp.Lodsd: StringOp(ref d, StringKind.Lods, 4); break;
            case ExecOp.Scasb: StringOp(ref d, StringKind.Scas, 1); break;
            case ExecOp.Scasw: StringOp(ref d, StringKind.Scas, 2); break;
            case ExecOp.Scasd: StringOp(ref d, StringKind.Scas, 4); break;
            case ExecOp.Movsq: StringOp(ref d, StringKind.Movs, 8); break;
            case ExecOp.Cmpsq: StringOp(ref d, StringKind.Cmps, 8); break;
            case ExecOp.Stosq: StringOp(ref d, StringKind.Stos, 8); break;
            case ExecOp.Lodsq: StringOp(ref d, StringKind.Lods, 8); break;
            case ExecOp.Scasq: StringOp(ref d, StringKind.Scas, 8); break;
            default:
                if (d.I.ConditionCode != ConditionCode.None && ExecuteConditional(ref d))
                    break;
                if (!ExecuteSse(ref d) && !ExecuteSystem(ref d) && !ExecuteFpu(ref d))
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
                ulong v = ReadOp(ref d, 1, d.DataSize);
                if (taken)
                    WriteReg(d.I.Op0Register, v);
                else if (d.DataSize == 4)
                    WriteReg(d.I.Op0Register, ReadReg(d.I.Op0Register)); // a 32-bit CMOVcc zero-extends even when false (SDM CMOVcc)
                return true;
            }
        }
        return false;
    }
}
