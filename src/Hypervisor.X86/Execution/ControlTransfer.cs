using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Near and far JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ/JECXZ, BOUND. Far transfers in protected
/// mode go through the descriptor checks in Protection/FarTransfers.cs.
/// </summary>
internal sealed partial class Cpu
{
    private enum LoopKind { Always, WhileEqual, WhileNotEqual }

    /// <summary>Sets EIP, checking the CS limit in protected mode (#GP(0) when beyond).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void JumpNear(ulong target)
    {
        CheckNearTarget(target);
        Rip = target;
    }

    /// <summary>A near branch target past the CS limit is #GP(0) before anything changes (no limit outside protected mode).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void CheckNearTarget(ulong target)
    {
        if (Code64 ? !IsCanonical(target) : target > _eipLimit)
            throw GP();
    }

    /// <summary>Bits 63:47 all equal (SDM Vol. 1, 3.3.7.1): the only addresses 4-level paging maps.</summary>
    public static bool IsCanonical(ulong address) => (ulong)(((long)address << 16) >> 16) == address;

    private ulong NearIndirectTarget(ref DecodedInstruction d) => ReadOp(ref d, 0, d.OpSize) & SizeMask(d.OpSize);

    private void Jmp(ref DecodedInstruction d)
    {
        switch (d.I.Op0Kind)
        {
            case OpKind.NearBranch16:
            case OpKind.NearBranch32:
            case OpKind.NearBranch64:
                JumpNear(NearTarget(ref d));
                break;
            case OpKind.FarBranch16:
            case OpKind.FarBranch32:
                if (LongModeActive)
                    FarJumpIa32e(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32, d.OpSize);
                else
                    FarJump(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32, d.OpSize);
                break;
            default:
                if (d.I.IsJmpFarIndirect)
                {
                    ReadFarPointer(ref d, out ushort sel, out ulong off);
                    if (LongModeActive)
                        FarJumpIa32e(sel, off, d.OpSize); // Protection/FarTransfers64.cs
                    else
                        FarJump(sel, (uint)off, d.OpSize);
                }
                else
                {
                    JumpNear(NearIndirectTarget(ref d));
                }
                break;
        }
    }

    private void Call(ref DecodedInstruction d)
    {
        int size = d.OpSize;
        switch (d.I.Op0Kind)
        {
            case OpKind.NearBranch16:
            case OpKind.NearBranch32:
            case OpKind.NearBranch64:
            {
                ulong target = NearTarget(ref d);
                CallNear(target, size);
                break;
            }
            case OpKind.FarBranch16:
            case OpKind.FarBranch32:
                if (LongModeActive)
                    FarCallIa32e(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32, size);
                else
                    FarCall(d.I.FarBranchSelector, d.I.Op0Kind == OpKind.FarBranch16 ? d.I.FarBranch16 : d.I.FarBranch32, size);
                break;
            default:
                if (d.I.IsCallFarIndirect)
                {
                    ReadFarPointer(ref d, out ushort sel, out ulong off);
                    if (LongModeActive)
                        FarCallIa32e(sel, off, size);
                    else
                        FarCall(sel, (uint)off, size);
                }
                else
                {
                    CallNear(NearIndirectTarget(ref d), size);
                }
                break;
        }
    }

    private void CallNear(ulong target, int size)
    {
        CheckNearTarget(target);
        PushValue(Rip, size);
        Rip = target;
    }

    /// <summary>m16:16, m16:32 or (REX.W) m16:64 operand of an indirect far JMP/CALL.</summary>
    private void ReadFarPointer(ref DecodedInstruction d, out ushort selector, out ulong offset)
    {
        if (d.I.Op0Kind != OpKind.Memory)
            throw UD();
        int ms = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        offset = ReadMem(ms, ea, d.OpSize);
        selector = ReadMem16(ms, ea + (uint)d.OpSize);
    }

    private void RetNear(ref DecodedInstruction d)
    {
        int size = d.OpSize;
        ulong target = PeekStack(0, size);
        CheckNearTarget(target);
        uint release = d.I.OpCount > 0 ? d.I.Immediate16 : 0u;
        SetStackPointer(StackPointer + (uint)size + release);
        Rip = target;
    }

    private void RetFar(ref DecodedInstruction d)
    {
        uint release = d.I.OpCount > 0 ? d.I.Immediate16 : 0u;
        if (LongModeActive)
            FarReturnIa32e(d.OpSize, release); // Protection/FarTransfers64.cs
        else
            FarReturn(d.OpSize, release);
    }

    private void Loop(ref DecodedInstruction d, LoopKind kind)
    {
        ulong count = DecrementCount(d.AddrSize);
        bool zf = (Flags & Eflags.ZF) != 0;
        bool taken = count != 0 && kind switch
        {
            LoopKind.WhileEqual => zf,
            LoopKind.WhileNotEqual => !zf,
            _ => true,
        };
        if (taken)
            JumpNear(NearTarget(ref d));
    }

    private void Jcxz(ref DecodedInstruction d)
    {
        if (CountRegister(d.I.Mnemonic switch { Mnemonic.Jrcxz => 8, Mnemonic.Jecxz => 4, _ => 2 }) == 0)
            JumpNear(NearTarget(ref d));
    }

    /// <summary>BOUND: #BR when the signed index is outside [lower, upper].</summary>
    private void Bound(ref DecodedInstruction d)
    {
        if (d.I.Op1Kind != OpKind.Memory)
            throw UD();
        int size = d.OpSize;
        int ms = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        long lower = SignExtend(ReadMem(ms, ea, size), size);
        long upper = SignExtend(ReadMem(ms, ea + (uint)size, size), size);
        long index = SignExtend(ReadReg(d.I.Op0Register), size);
        if (index < lower || index > upper)
            throw Fault(Vector.BR);
    }
}
