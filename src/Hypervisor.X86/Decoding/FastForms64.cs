using Iced.Intel;

namespace Hypervisor.X86.Decoding;

/// <summary>
/// Fast forms in 64-bit mode. The 8-, 16- and 32-bit forms of <see cref="FastForms.Classify"/> mean
/// the same here except that a 32-bit register result is zero-extended to 64 bits (SDM Vol. 1,
/// 3.4.1.1): those are marked <see cref="DecodedInstruction.ZeroExtendsReg0"/>. Stack and near-branch
/// forms are 64-bit here and have their own (Q) forms, as do the REX.W operations.
/// </summary>
internal static class FastForms64
{
    public static FastForm Classify(ref DecodedInstruction d)
    {
        d.ZeroExtendsReg0 = false;
        var a0 = d.Access0;
        var a1 = d.Access1;
        bool q0 = a0 == OperandAccess.Reg64, q1 = a1 == OperandAccess.Reg64;
        bool m0 = a0 == OperandAccess.Memory && d.DataSize == 8;
        bool m1 = a1 == OperandAccess.Memory && d.I.MemorySize.GetSize() == 8;
        bool i1 = a1 == OperandAccess.Immediate;
        int ops = d.I.OpCount;
        bool locked = d.I.HasLockPrefix;
        bool nearRelative = ops == 1 && d.I.Op0Kind == OpKind.NearBranch64;

        if (d.Op == ExecOp.Jmp && nearRelative)
            return FastForm.JmpRelQ;
        if (d.Op == ExecOp.Call && nearRelative)
            return FastForm.CallRelQ;
        if (d.Op == ExecOp.Ret && ops == 0 && d.OpSize == 8)
            return FastForm.RetQ;
        switch (d.Op)
        {
            case ExecOp.Nop:
                return FastForm.NopQ;
            case ExecOp.Mov when ops == 2 && q0 && d.I.Op1Kind == OpKind.Immediate64:
                return FastForm.MovRIQ64;
            case ExecOp.Shl or ExecOp.Sal or ExecOp.Shr or ExecOp.Sar
                when ops == 2 && (q0 || a0 == OperandAccess.Reg32) && d.I.Op1Kind == OpKind.Register && d.I.Op1Register == Register.CL:
                return d.Op == ExecOp.Shr ? FastForm.ShrRCQ : d.Op == ExecOp.Sar ? FastForm.SarRCQ : FastForm.ShlRCQ;
            case ExecOp.Test when ops == 2 && a0 == OperandAccess.Memory && d.DataSize == 1 && i1:
                return FastForm.TestM8IQ;
            case ExecOp.Cmp when ops == 2 && a0 is OperandAccess.Reg8Low or OperandAccess.Reg8High && a1 == OperandAccess.Memory:
                return FastForm.CmpR8MQ;
            case ExecOp.Push when ops == 1 && q0:
                return FastForm.PushRQ;
            case ExecOp.Push when ops == 1 && a0 == OperandAccess.Immediate && d.OpSize == 8:
                return FastForm.PushIQ;
            case ExecOp.Pop when ops == 1 && q0:
                return FastForm.PopRQ;
            case ExecOp.Lea when a1 == OperandAccess.Memory && d.AddrSize == 8:
                if (q0)
                    return FastForm.LeaRQ;
                if (a0 == OperandAccess.Reg32)
                {
                    d.ZeroExtendsReg0 = true; // LEA r32, [64-bit address]: the address cut to 32 bits
                    return FastForm.LeaR;
                }
                return FastForm.None;
            case ExecOp.Movsxd when ops == 2 && q0:
                return a1 == OperandAccess.Reg32 ? FastForm.MovsxdRR : a1 == OperandAccess.Memory ? FastForm.MovsxdRM : FastForm.None;
            case ExecOp.Movzx when ops == 2 && q0 && d.I.Op1Kind == OpKind.Memory && d.I.MemorySize.GetSize() == 1:
                return FastForm.MovzxRMQ8;
            case ExecOp.Movzx when ops == 2 && q0 && a1 == OperandAccess.Reg8Low:
                return FastForm.MovzxRQ8;
            case ExecOp.Movsx when ops == 2 && q0 && d.I.Op1Kind == OpKind.Memory && d.I.MemorySize.GetSize() == 1:
                return FastForm.MovsxRMQ8;
        }
        if (q0 || m0)
            return Classify64BitOperand(ref d, q0, q1, m0, m1, i1, ops, locked);

        var form = FastForms.Classify(ref d);
        switch (form)
        {
            // 16/32-bit stack and branch forms do not occur in 64-bit code (the Q forms above), and
            // XCHG writes two registers: the general path zero-extends both.
            case FastForm.PushR or FastForm.PopR or FastForm.PushI or FastForm.JmpRel or FastForm.CallRel
                or FastForm.Ret or FastForm.XchgRR:
                return FastForm.None;
            case FastForm.LeaR:
                return FastForm.None; // a 32-bit address size (67 prefix) in 64-bit mode: rare, general path
        }
        d.ZeroExtendsReg0 = d.Access0 == OperandAccess.Reg32 && WritesRegister32(form);
        return form;
    }

    private static FastForm Classify64BitOperand(ref DecodedInstruction d, bool q0, bool q1, bool m0, bool m1, bool i1, int ops, bool locked)
    {
        if (ops == 2 && q0 && FastForms.IsCmov(d.I.Mnemonic))
            return q1 ? FastForm.CmovRRQ : m1 ? FastForm.CmovRMQ : FastForm.None;
        switch (d.Op)
        {
            case ExecOp.Mov when ops == 2:
                return q0 && q1 ? FastForm.MovRRQ : q0 && i1 ? FastForm.MovRIQ : q0 && m1 ? FastForm.MovRMQ
                    : m0 && q1 ? FastForm.MovMRQ : m0 && i1 ? FastForm.MovMIQ : FastForm.None;
            case ExecOp.Add when ops == 2:
                return q0 && q1 ? FastForm.AddRRQ : q0 && i1 ? FastForm.AddRIQ : q0 && m1 ? FastForm.AddRMQ
                    : m0 && q1 && !locked ? FastForm.AddMRQ : m0 && i1 && !locked ? FastForm.AddMIQ : FastForm.None;
            case ExecOp.Adc when ops == 2 && q0:
                return q1 ? FastForm.AdcRRQ : i1 ? FastForm.AdcRIQ : FastForm.None;
            case ExecOp.Sub when ops == 2:
                return q0 && q1 ? FastForm.SubRRQ : q0 && i1 ? FastForm.SubRIQ : q0 && m1 ? FastForm.SubRMQ
                    : m0 && q1 && !locked ? FastForm.SubMRQ : m0 && i1 && !locked ? FastForm.SubMIQ : FastForm.None;
            case ExecOp.Cmp when ops == 2:
                return q0 && q1 ? FastForm.CmpRRQ : q0 && i1 ? FastForm.CmpRIQ : q0 && m1 ? FastForm.CmpRMQ
                    : m0 && q1 ? FastForm.CmpMRQ : m0 && i1 ? FastForm.CmpMIQ : FastForm.None;
            case ExecOp.And when ops == 2:
                return q0 && q1 ? FastForm.AndRRQ : q0 && i1 ? FastForm.AndRIQ : q0 && m1 ? FastForm.AndRMQ : FastForm.None;
            case ExecOp.Or when ops == 2:
                return q0 && q1 ? FastForm.OrRRQ : q0 && i1 ? FastForm.OrRIQ : q0 && m1 ? FastForm.OrRMQ : FastForm.None;
            case ExecOp.Xor when ops == 2:
                return q0 && q1 ? FastForm.XorRRQ : q0 && i1 ? FastForm.XorRIQ : q0 && m1 ? FastForm.XorRMQ : FastForm.None;
            case ExecOp.Test when ops == 2:
                return q0 && q1 ? FastForm.TestRRQ : q0 && i1 ? FastForm.TestRIQ
                    : m0 && q1 ? FastForm.TestMRQ : m0 && i1 ? FastForm.TestMIQ : FastForm.None;
            case ExecOp.Inc when ops == 1 && q0:
                return FastForm.IncRQ;
            case ExecOp.Dec when ops == 1 && q0:
                return FastForm.DecRQ;
            case ExecOp.Neg when ops == 1 && q0:
                return FastForm.NegRQ;
            case ExecOp.Not when ops == 1 && q0:
                return FastForm.NotRQ;
            case ExecOp.Shl or ExecOp.Sal when ops == 2 && q0 && i1:
                return FastForm.ShlRIQ;
            case ExecOp.Shr when ops == 2 && q0 && i1:
                return FastForm.ShrRIQ;
            case ExecOp.Sar when ops == 2 && q0 && i1:
                return FastForm.SarRIQ;
            case ExecOp.Imul when ops == 2 && q0:
                return q1 ? FastForm.ImulRRQ : m1 ? FastForm.ImulRMQ : FastForm.None;
            case ExecOp.Imul when ops == 3 && q0 && q1 && d.Access2 == OperandAccess.Immediate:
                return FastForm.ImulRRIQ;
            default:
                return FastForm.None;
        }
    }

    /// <summary>The 32-bit forms that write their first operand, a 32-bit register (CMP and TEST only read it).</summary>
    private static bool WritesRegister32(FastForm f) => f switch
    {
        FastForm.MovRR or FastForm.MovRI or FastForm.MovRM or FastForm.MovRM8Zx
            or FastForm.AddRR or FastForm.AddRI or FastForm.AddRM or FastForm.SubRR or FastForm.SubRI or FastForm.SubRM
            or FastForm.AndRR or FastForm.AndRI or FastForm.OrRR or FastForm.OrRI or FastForm.XorRR or FastForm.XorRI
            or FastForm.AndRM or FastForm.OrRM or FastForm.XorRM
            or FastForm.IncR or FastForm.DecR or FastForm.NegR or FastForm.NotR
            or FastForm.ShlRI or FastForm.ShrRI or FastForm.SarRI or FastForm.RolRI or FastForm.RorRI
            or FastForm.MovzxRR8 or FastForm.MovzxRM16 or FastForm.MovzxRR16
            or FastForm.MovsxRR8 or FastForm.MovsxRM8 or FastForm.MovsxRR16 or FastForm.MovsxRM16
            or FastForm.CmovRR or FastForm.CmovRM
            or FastForm.ImulRR or FastForm.ImulRM or FastForm.ImulRRI
            or FastForm.AdcRR or FastForm.AdcRI or FastForm.SbbRR or FastForm.SbbRI => true,
        _ => false,
    };
}
