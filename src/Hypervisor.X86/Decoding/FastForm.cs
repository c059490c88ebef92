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
    // The same with 16-bit registers and memory (real-mode code).
    MovRR16, MovRI16, MovRM16, MovMR16,
    AddRR16, AddRI16, AddRM16, SubRR16, SubRI16,
    CmpRR16, CmpRI16, CmpRM16,
    AndRI16, OrRR16, XorRR16, XorRI16,
    IncR16, DecR16,
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
        if (d.Fast is FastForm.Jcc or FastForm.JmpRel or FastForm.CallRel or FastForm.Ret)
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
        bool nearRelative = d.I.OpCount == 1 && d.I.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32;
        if (d.Op == ExecOp.Jmp && nearRelative)
            return FastForm.JmpRel;
        if (d.Op == ExecOp.Call && nearRelative)
            return FastForm.CallRel;
        if (d.Op == ExecOp.Ret && d.I.OpCount == 0)
            return FastForm.Ret;
        if (d.DataSize == 2)
            return Classify16(ref d, ops);
        switch (d.Op)
        {
            case ExecOp.Mov when ops == 2:
                if (r0 && r1) return FastForm.MovRR;
                if (r0 && i1) return FastForm.MovRI;
                if (r0 && m1) return FastForm.MovRM;
                if (m0 && r1) return FastForm.MovMR;
                if (m0 && i1) return FastForm.MovMI;
                if (a0 == OperandAccess.Memory && d.DataSize == 1 && i1) return FastForm.MovM8I;
                return FastForm.None;
            case ExecOp.Movzx when ops == 2 && r0 && a1 == OperandAccess.Memory && d.I.MemorySize.GetSize() == 1:
                return FastForm.MovRM8Zx;
            case ExecOp.Add when ops == 2:
                return r0 && r1 ? FastForm.AddRR : r0 && i1 ? FastForm.AddRI : r0 && m1 ? FastForm.AddRM
                    : m0 && r1 ? FastForm.AddMR : m0 && i1 ? FastForm.AddMI : FastForm.None;
            case ExecOp.Sub when ops == 2:
                return r0 && r1 ? FastForm.SubRR : r0 && i1 ? FastForm.SubRI : r0 && m1 ? FastForm.SubRM : FastForm.None;
            case ExecOp.Cmp when ops == 2:
                if (a0 == OperandAccess.Memory && d.DataSize == 1 && i1) return FastForm.CmpM8I;
                return r0 && r1 ? FastForm.CmpRR : r0 && i1 ? FastForm.CmpRI : r0 && m1 ? FastForm.CmpRM
                    : m0 && r1 ? FastForm.CmpMR : m0 && i1 ? FastForm.CmpMI : FastForm.None;
            case ExecOp.And when ops == 2:
                return r0 && r1 ? FastForm.AndRR : r0 && i1 ? FastForm.AndRI : FastForm.None;
            case ExecOp.Or when ops == 2:
                return r0 && r1 ? FastForm.OrRR : r0 && i1 ? FastForm.OrRI : FastForm.None;
            case ExecOp.Xor when ops == 2:
                return r0 && r1 ? FastForm.XorRR : r0 && i1 ? FastForm.XorRI : FastForm.None;
            case ExecOp.Test when ops == 2:
                return r0 && r1 ? FastForm.TestRR : r0 && i1 ? FastForm.TestRI : FastForm.None;
            case ExecOp.Inc when ops == 1 && r0:
                return FastForm.IncR;
            case ExecOp.Dec when ops == 1 && r0:
                return FastForm.DecR;
            case ExecOp.Lea when r0 && a1 == OperandAccess.Memory && d.AddrSize == 4:
                return FastForm.LeaR;
            case ExecOp.Push when ops == 1 && r0:
                return FastForm.PushR;
            case ExecOp.Pop when ops == 1 && r0:
                return FastForm.PopR;
            default:
                return FastForm.None;
        }
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
            case ExecOp.Inc when ops == 1 && r0:
                return FastForm.IncR16;
            case ExecOp.Dec when ops == 1 && r0:
                return FastForm.DecR16;
            default:
                return FastForm.None;
        }
    }
}
