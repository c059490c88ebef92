using Iced.Intel;

namespace Hypervisor.X86.Decoding;

/// <summary>
/// The hottest instruction forms, each with its own small handler (Execution/FastPath.cs) so that
/// running one costs a single dispatch instead of the mnemonic switch plus an operand-kind switch
/// per operand. Chosen at decode; every other instruction is <see cref="None"/> and goes through
/// the general executor, which gives the same result for these forms.
/// </summary>
internal enum FastForm : byte
{
    None,
    // Operands: R = 32-bit general register, I = immediate, M8/M32 = memory of that size.
    MovRR, MovRI, MovRM, MovMR, MovMI, MovM8I, MovRM8Zx,
    AddRR, AddRI, AddRM, AddMR, AddMI,
    SubRR, SubRI, SubRM,
    CmpRR, CmpRI, CmpRM, CmpMR, CmpMI, CmpM8I,
    AndRR, AndRI, OrRR, OrRI, XorRR, XorRI, TestRR, TestRI,
    IncR, DecR,
    LeaR,
    PushR, PopR,
    Jcc, JmpRel, CallRel, Ret,
    // Shifts and rotates of a 32-bit register by an immediate (or the implicit 1).
    ShlRI, ShrRI, SarRI, RolRI, RorRI,
    // Zero/sign extension into a 32-bit register; R8/M8, R16/M16 = byte and word sources.
    MovzxRR8, MovzxRM16, MovzxRR16, MovsxRR8, MovsxRM8, MovsxRR16, MovsxRM16,
    // Byte registers (AL..BH) and byte memory.
    MovR8M, MovMR8, MovR8R8, MovR8I, CmpR8R8, CmpR8I, TestR8R8, TestR8I,
    AddR8I, SubR8I, AndR8I, OrR8I, XorR8I, AddR8R8, SubR8R8, AndR8R8, OrR8R8, XorR8R8,
    SetccR8, CmovRR, CmovRM,
    NegR, NotR, XchgRR, PushI,
    ImulRR, ImulRM, ImulRRI,
    // Logic with a memory source or destination (read-modify-write), INC/DEC of memory, and byte ALU
    // operations with a memory source (ADD, SUB, AND, OR, XOR in that order).
    AndRM, OrRM, XorRM, AndMR, OrMR, XorMR, IncM, DecM,
    AddR8M, SubR8M, AndR8M, OrR8M, XorR8M,
    // ADC/SBB of 32-bit registers (multi-word arithmetic: checksums, bignums).
    AdcRR, AdcRI, SbbRR, SbbRI,
    // The same with 16-bit registers and memory (real-mode code).
    MovRR16, MovRI16, MovRM16, MovMR16,
    AddRR16, AddRI16, AddRM16, SubRR16, SubRI16,
    CmpRR16, CmpRI16, CmpRM16,
    AndRI16, OrRR16, XorRR16, XorRI16,
    IncR16, DecR16,
    ShlRI16, ShrRI16, SarRI16, RolRI16, RorRI16,

    // 64-bit mode only (Decoding/FastForms64.cs, Execution/FastPath64.cs): Q = a 64-bit register or
    // memory operand; immediates are sign-extended imm8/imm32.
    MovRRQ, MovRIQ, MovRMQ, MovMRQ, MovMIQ,
    AddRRQ, AddRIQ, AddRMQ, AddMRQ, AddMIQ,
    SubRRQ, SubRIQ, SubRMQ, SubMRQ, SubMIQ,
    CmpRRQ, CmpRIQ, CmpRMQ, CmpMRQ, CmpMIQ,
    AndRRQ, AndRIQ, AndRMQ, OrRRQ, OrRIQ, OrRMQ, XorRRQ, XorRIQ, XorRMQ,
    TestRRQ, TestRIQ, TestMRQ, TestMIQ,
    IncRQ, DecRQ, NegRQ, NotRQ, LeaRQ,
    PushRQ, PopRQ, PushIQ, JmpRelQ, CallRelQ, RetQ,
    ShlRIQ, ShrRIQ, SarRIQ,
    MovsxdRR, MovsxdRM, MovzxRQ8, MovzxRMQ8, MovsxRMQ8,
    CmovRRQ, CmovRMQ, ImulRRQ, ImulRMQ, ImulRRIQ,
    AdcRRQ, AdcRIQ, MovRIQ64,
    // Also 32-bit and byte forms that are hot in 64-bit kernels (NOP: the multi-byte NOPs of patched
    // call sites; shifts by CL of 32- and 64-bit registers; TEST m8, imm8; CMP r8, m8).
    NopQ, ShlRCQ, ShrRCQ, SarRCQ, TestM8IQ, CmpR8MQ,
}

internal static class FastForms
{
    /// <summary>
    /// True when a block may run on past this instruction: it only computes on general registers,
    /// memory, flags and EIP (near relative branches, near RET), so it cannot change mode, CPL,
    /// segments, paging, EFLAGS.IF/TF or the interrupt shadow, and it exits only through MMIO
    /// (which ends the block anyway).
    /// </summary>
    public static bool ContinuesBlock(ref DecodedInstruction d)
    {
        if (d.Fast is FastForm.Jcc or FastForm.JmpRel or FastForm.CallRel or FastForm.Ret
            or FastForm.SetccR8 or FastForm.CmovRR or FastForm.CmovRM
            or FastForm.JmpRelQ or FastForm.CallRelQ or FastForm.RetQ or FastForm.CmovRRQ or FastForm.CmovRMQ)
            return true;
        if (d.Op is (ExecOp.None or ExecOp.Movsd or ExecOp.Cmpsd) && Cpu.Cpu.ContinuesBlockAfterSse(in d.I))
            return true;
        switch (d.Op)
        {
            case ExecOp.Add: case ExecOp.Adc: case ExecOp.Sub: case ExecOp.Sbb: case ExecOp.Cmp:
            case ExecOp.Inc: case ExecOp.Dec: case ExecOp.Neg:
            case ExecOp.And: case ExecOp.Or: case ExecOp.Xor: case ExecOp.Test: case ExecOp.Not:
            case ExecOp.Bt: case ExecOp.Bts: case ExecOp.Btr: case ExecOp.Btc: case ExecOp.Bsf: case ExecOp.Bsr:
            case ExecOp.Shl: case ExecOp.Sal: case ExecOp.Shr: case ExecOp.Sar: case ExecOp.Rol: case ExecOp.Ror:
            case ExecOp.Rcl: case ExecOp.Rcr: case ExecOp.Shld: case ExecOp.Shrd:
            case ExecOp.Mul: case ExecOp.Imul: case ExecOp.Div: case ExecOp.Idiv:
            case ExecOp.Mov: case ExecOp.Movzx: case ExecOp.Movsx: case ExecOp.Xchg: case ExecOp.Lea:
            case ExecOp.Cbw: case ExecOp.Cwde: case ExecOp.Cwd: case ExecOp.Cdq: case ExecOp.Bswap:
            case ExecOp.Movsxd: case ExecOp.Cdqe: case ExecOp.Cqo:
            case ExecOp.Push: case ExecOp.Pop: case ExecOp.Nop:
                break;
            default:
                return false;
        }
        int ops = Math.Min((int)d.I.OpCount, 3);
        for (int op = 0; op < ops; op++)
        {
            var access = op == 0 ? d.Access0 : op == 1 ? d.Access1 : d.Access2;
            if (access is OperandAccess.Other or OperandAccess.Segment)
                return false;
        }
        return true;
    }

    /// <summary>The fast form of a prepared instruction, or <see cref="FastForm.None"/>.</summary>
    public static FastForm Classify(ref DecodedInstruction d)
    {
        if (d.I.IsJccShortOrNear)
            return FastForm.Jcc;
        var a0 = d.Access0;
        var a1 = d.Access1;
        bool r0 = a0 == OperandAccess.Reg32, r1 = a1 == OperandAccess.Reg32;
        bool m0 = a0 == OperandAccess.Memory && d.DataSize == 4;
        bool m1 = a1 == OperandAccess.Memory && d.DataSize == 4;
        bool i1 = a1 == OperandAccess.Immediate;
        int ops = d.I.OpCount;
        // A LOCKed read-modify-write of memory takes the general path, which makes it atomic.
        bool locked = d.I.HasLockPrefix;
        bool nearRelative = d.I.OpCount == 1 && d.I.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32;
        if (d.Op == ExecOp.Jmp && nearRelative)
            return FastForm.JmpRel;
        if (d.Op == ExecOp.Call && nearRelative)
            return FastForm.CallRel;
        if (d.Op == ExecOp.Ret && d.I.OpCount == 0)
            return FastForm.Ret;
        if (IsCmov(d.I.Mnemonic))
            return ops == 2 && r0 && r1 ? FastForm.CmovRR : ops == 2 && r0 && m1 ? FastForm.CmovRM : FastForm.None;
        if (IsSetcc(d.I.Mnemonic))
            return ops == 1 && IsReg8(a0) ? FastForm.SetccR8 : FastForm.None;
        if (d.DataSize == 2)
            return Classify16(ref d, ops);
        if (d.DataSize == 1 && ops == 2 && d.Op is ExecOp.Mov or ExecOp.Cmp or ExecOp.Test
            or ExecOp.Add or ExecOp.Sub or ExecOp.And or ExecOp.Or or ExecOp.Xor)
            return Classify8(ref d);
        switch (d.Op)
        {
            case ExecOp.Mov when ops == 2:
                if (r0 && r1) return FastForm.MovRR;
                if (r0 && i1) return FastForm.MovRI;
                if (r0 && m1) return FastForm.MovRM;
                if (m0 && r1) return FastForm.MovMR;
                if (m0 && i1) return FastForm.MovMI;
                return FastForm.None;
            case ExecOp.Movzx when ops == 2 && r0:
                return a1 == OperandAccess.Memory ? (d.I.MemorySize.GetSize() == 1 ? FastForm.MovRM8Zx : FastForm.MovzxRM16)
                    : IsReg8(a1) ? FastForm.MovzxRR8 : a1 == OperandAccess.Reg16 ? FastForm.MovzxRR16 : FastForm.None;
            case ExecOp.Movsx when ops == 2 && r0:
                return a1 == OperandAccess.Memory ? (d.I.MemorySize.GetSize() == 1 ? FastForm.MovsxRM8 : FastForm.MovsxRM16)
                    : IsReg8(a1) ? FastForm.MovsxRR8 : a1 == OperandAccess.Reg16 ? FastForm.MovsxRR16 : FastForm.None;
            case ExecOp.Shl or ExecOp.Sal or ExecOp.Shr or ExecOp.Sar or ExecOp.Rol or ExecOp.Ror when ops == 2 && r0 && i1:
                return ShiftForm(d.Op, FastForm.ShlRI);
            case ExecOp.Imul when r0 && ops == 2:
                return r1 ? FastForm.ImulRR : m1 ? FastForm.ImulRM : FastForm.None;
            case ExecOp.Imul when r0 && ops == 3 && r1 && d.Access2 == OperandAccess.Immediate:
                return FastForm.ImulRRI;
            case ExecOp.Neg when ops == 1 && r0:
                return FastForm.NegR;
            case ExecOp.Not when ops == 1 && r0:
                return FastForm.NotR;
            case ExecOp.Xchg when ops == 2 && r0 && r1:
                return FastForm.XchgRR;
            case ExecOp.Add when ops == 2:
                return r0 && r1 ? FastForm.AddRR : r0 && i1 ? FastForm.AddRI : r0 && m1 ? FastForm.AddRM
                    : m0 && r1 && !locked ? FastForm.AddMR : m0 && i1 && !locked ? FastForm.AddMI : FastForm.None;
            case ExecOp.Sub when ops == 2:
                return r0 && r1 ? FastForm.SubRR : r0 && i1 ? FastForm.SubRI : r0 && m1 ? FastForm.SubRM : FastForm.None;
            case ExecOp.Cmp when ops == 2:
                return r0 && r1 ? FastForm.CmpRR : r0 && i1 ? FastForm.CmpRI : r0 && m1 ? FastForm.CmpRM
                    : m0 && r1 ? FastForm.CmpMR : m0 && i1 ? FastForm.CmpMI : FastForm.None;
            case ExecOp.And when ops == 2:
                return r0 && r1 ? FastForm.AndRR : r0 && i1 ? FastForm.AndRI : r0 && m1 ? FastForm.AndRM
                    : m0 && r1 && !locked ? FastForm.AndMR : FastForm.None;
            case ExecOp.Or when ops == 2:
                return r0 && r1 ? FastForm.OrRR : r0 && i1 ? FastForm.OrRI : r0 && m1 ? FastForm.OrRM
                    : m0 && r1 && !locked ? FastForm.OrMR : FastForm.None;
            case ExecOp.Xor when ops == 2:
                return r0 && r1 ? FastForm.XorRR : r0 && i1 ? FastForm.XorRI : r0 && m1 ? FastForm.XorRM
                    : m0 && r1 && !locked ? FastForm.XorMR : FastForm.None;
            case ExecOp.Adc when ops == 2:
                return r0 && r1 ? FastForm.AdcRR : r0 && i1 ? FastForm.AdcRI : FastForm.None;
            case ExecOp.Sbb when ops == 2:
                return r0 && r1 ? FastForm.SbbRR : r0 && i1 ? FastForm.SbbRI : FastForm.None;
            case ExecOp.Test when ops == 2:
                return r0 && r1 ? FastForm.TestRR : r0 && i1 ? FastForm.TestRI : FastForm.None;
            case ExecOp.Inc when ops == 1 && r0:
                return FastForm.IncR;
            case ExecOp.Dec when ops == 1 && r0:
                return FastForm.DecR;
            case ExecOp.Inc when ops == 1 && m0 && !locked:
                return FastForm.IncM;
            case ExecOp.Dec when ops == 1 && m0 && !locked:
                return FastForm.DecM;
            case ExecOp.Lea when r0 && a1 == OperandAccess.Memory && d.AddrSize == 4:
                return FastForm.LeaR;
            case ExecOp.Push when ops == 1 && r0:
                return FastForm.PushR;
            case ExecOp.Push when ops == 1 && a0 == OperandAccess.Immediate && d.OpSize == 4:
                return FastForm.PushI;
            case ExecOp.Pop when ops == 1 && r0:
                return FastForm.PopR;
            default:
                return FastForm.None;
        }
    }

    internal static bool IsCmov(Mnemonic m) => m is Mnemonic.Cmovo or Mnemonic.Cmovno or Mnemonic.Cmovb or Mnemonic.Cmovae
        or Mnemonic.Cmove or Mnemonic.Cmovne or Mnemonic.Cmovbe or Mnemonic.Cmova or Mnemonic.Cmovs or Mnemonic.Cmovns
        or Mnemonic.Cmovp or Mnemonic.Cmovnp or Mnemonic.Cmovl or Mnemonic.Cmovge or Mnemonic.Cmovle or Mnemonic.Cmovg;

    private static bool IsSetcc(Mnemonic m) => m is Mnemonic.Seto or Mnemonic.Setno or Mnemonic.Setb or Mnemonic.Setae
        or Mnemonic.Sete or Mnemonic.Setne or Mnemonic.Setbe or Mnemonic.Seta or Mnemonic.Sets or Mnemonic.Setns
        or Mnemonic.Setp or Mnemonic.Setnp or Mnemonic.Setl or Mnemonic.Setge or Mnemonic.Setle or Mnemonic.Setg;

    /// <summary>The shift form of <paramref name="op"/> in the group starting at <paramref name="shl"/> (SHL, SHR, SAR, ROL, ROR in that order).</summary>
    private static FastForm ShiftForm(ExecOp op, FastForm shl) => shl + op switch
    {
        ExecOp.Shl or ExecOp.Sal => 0,
        ExecOp.Shr => 1,
        ExecOp.Sar => 2,
        ExecOp.Rol => 3,
        _ => 4,
    };

    private static byte AluIndex(ExecOp op) => op switch
    {
        ExecOp.Add => 0,
        ExecOp.Sub => 1,
        ExecOp.And => 2,
        ExecOp.Or => 3,
        _ => 4,
    };

    private static bool IsReg8(OperandAccess a) => a is OperandAccess.Reg8Low or OperandAccess.Reg8High;

    private static FastForm Classify8(ref DecodedInstruction d)
    {
        bool r0 = IsReg8(d.Access0), r1 = IsReg8(d.Access1);
        bool m0 = d.Access0 == OperandAccess.Memory, m1 = d.Access1 == OperandAccess.Memory;
        bool i1 = d.Access1 == OperandAccess.Immediate;
        return d.Op switch
        {
            ExecOp.Mov => r0 && m1 ? FastForm.MovR8M : m0 && r1 ? FastForm.MovMR8 : r0 && r1 ? FastForm.MovR8R8
                : r0 && i1 ? FastForm.MovR8I : m0 && i1 ? FastForm.MovM8I : FastForm.None,
            ExecOp.Cmp => r0 && r1 ? FastForm.CmpR8R8 : r0 && i1 ? FastForm.CmpR8I : m0 && i1 ? FastForm.CmpM8I : FastForm.None,
            ExecOp.Test => r0 && r1 ? FastForm.TestR8R8 : r0 && i1 ? FastForm.TestR8I : FastForm.None,
            // ADD, SUB, AND, OR, XOR: the forms are in that order in each group.
            _ when r0 && i1 => FastForm.AddR8I + AluIndex(d.Op),
            _ when r0 && r1 => FastForm.AddR8R8 + AluIndex(d.Op),
            _ when r0 && m1 => FastForm.AddR8M + AluIndex(d.Op),
            _ => FastForm.None,
        };
    }

    private static FastForm Classify16(ref DecodedInstruction d, int ops)
    {
        bool r0 = d.Access0 == OperandAccess.Reg16, r1 = d.Access1 == OperandAccess.Reg16;
        bool m0 = d.Access0 == OperandAccess.Memory, m1 = d.Access1 == OperandAccess.Memory;
        bool i1 = d.Access1 == OperandAccess.Immediate;
        switch (d.Op)
        {
            case ExecOp.Mov when ops == 2:
                return r0 && r1 ? FastForm.MovRR16 : r0 && i1 ? FastForm.MovRI16 : r0 && m1 ? FastForm.MovRM16
                    : m0 && r1 ? FastForm.MovMR16 : FastForm.None;
            case ExecOp.Add when ops == 2:
                return r0 && r1 ? FastForm.AddRR16 : r0 && i1 ? FastForm.AddRI16 : r0 && m1 ? FastForm.AddRM16 : FastForm.None;
            case ExecOp.Sub when ops == 2:
                return r0 && r1 ? FastForm.SubRR16 : r0 && i1 ? FastForm.SubRI16 : FastForm.None;
            case ExecOp.Cmp when ops == 2:
                return r0 && r1 ? FastForm.CmpRR16 : r0 && i1 ? FastForm.CmpRI16 : r0 && m1 ? FastForm.CmpRM16 : FastForm.None;
            case ExecOp.And when ops == 2 && r0 && i1:
                return FastForm.AndRI16;
            case ExecOp.Or when ops == 2 && r0 && r1:
                return FastForm.OrRR16;
            case ExecOp.Xor when ops == 2:
                return r0 && r1 ? FastForm.XorRR16 : r0 && i1 ? FastForm.XorRI16 : FastForm.None;
            case ExecOp.Shl or ExecOp.Sal or ExecOp.Shr or ExecOp.Sar or ExecOp.Rol or ExecOp.Ror when ops == 2 && r0 && i1:
                return ShiftForm(d.Op, FastForm.ShlRI16);
            case ExecOp.Inc when ops == 1 && r0:
                return FastForm.IncR16;
            case ExecOp.Dec when ops == 1 && r0:
                return FastForm.DecR16;
            default:
                return FastForm.None;
        }
    }
}
