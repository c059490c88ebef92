using System.Runtime.CompilerServices;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Register, memory and immediate operands of a decoded instruction.</summary>
internal sealed partial class Cpu
{
    /// <summary>Linear address of the memory destination read by <see cref="ReadDest"/>, for <see cref="WriteDest"/>.</summary>
    private ulong _destLinear;

    /// <summary>The bits an operand of <paramref name="size"/> bytes (1, 2, 4 or 8) holds.</summary>
    public static ulong SizeMask(int size) => size == 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

    /// <summary>Reads a register named by Iced: general registers of every size (REX ones included), segments, CR/DR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadReg(Register r)
    {
        int v = (int)r;
        if ((uint)(v - (int)Register.EAX) < 16)
            return R(v - (int)Register.EAX);
        if ((uint)(v - (int)Register.RAX) < 16)
            return R64(v - (int)Register.RAX);
        if ((uint)(v - (int)Register.AX) < 16)
            return R(v - (int)Register.AX) & 0xFFFF;
        if ((uint)(v - (int)Register.AL) < 4)
            return R(v - (int)Register.AL) & 0xFF;
        if ((uint)(v - (int)Register.AH) < 4)
            return (R(v - (int)Register.AH) >> 8) & 0xFF;
        if ((uint)(v - (int)Register.SPL) < 12)
            return R(v - (int)Register.SPL + 4) & 0xFF; // SPL, BPL, SIL, DIL, R8L..R15L (REX)
        if ((uint)(v - (int)Register.ES) < 6)
            return Segs[v - (int)Register.ES].Selector;
        return ReadSpecialReg(r);
    }

    /// <summary>Writes a register named by Iced; a 32-bit write zero-extends into bits 63:32 (SDM Vol. 1, 3.4.1.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteReg(Register r, ulong value)
    {
        int v = (int)r;
        if ((uint)(v - (int)Register.EAX) < 16)
            R64(v - (int)Register.EAX) = (uint)value;
        else if ((uint)(v - (int)Register.RAX) < 16)
            R64(v - (int)Register.RAX) = value;
        else if ((uint)(v - (int)Register.AX) < 16)
        {
            ref uint reg = ref R(v - (int)Register.AX);
            reg = (reg & 0xFFFF0000) | ((uint)value & 0xFFFF);
        }
        else if ((uint)(v - (int)Register.AL) < 4)
        {
            ref uint reg = ref R(v - (int)Register.AL);
            reg = (reg & 0xFFFFFF00) | ((uint)value & 0xFF);
        }
        else if ((uint)(v - (int)Register.AH) < 4)
        {
            ref uint reg = ref R(v - (int)Register.AH);
            reg = (reg & 0xFFFF00FF) | (((uint)value & 0xFF) << 8);
        }
        else if ((uint)(v - (int)Register.SPL) < 12)
        {
            ref uint reg = ref R(v - (int)Register.SPL + 4);
            reg = (reg & 0xFFFFFF00) | ((uint)value & 0xFF);
        }
        else
            WriteSpecialReg(r, value);
    }

    /// <summary>Size in bytes of a general or segment register.</summary>
    public static int RegSize(Register r)
    {
        int v = (int)r;
        if ((uint)(v - (int)Register.RAX) < 16) return 8;
        if ((uint)(v - (int)Register.EAX) < 16) return 4;
        if ((uint)(v - (int)Register.AX) < 16) return 2;
        if ((uint)(v - (int)Register.AL) < 20) return 1;
        return 2;
    }

    /// <summary>The offset of the instruction's memory operand (SDM Vol. 2, 2.1.5), wrapped to the address size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong EffectiveAddress(ref DecodedInstruction d)
    {
        ulong ea = d.MemDisplacement;
        if (d.MemBase >= 0)
            ea += R64(d.MemBase);
        if (d.MemIndex >= 0)
            ea += R64(d.MemIndex) << d.MemScaleShift;
        return CutToAddressSize(ref d, ea);
    }

    /// <summary>An offset cut to the instruction's address size (16, 32 or 64 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong CutToAddressSize(ref DecodedInstruction d, ulong offset) =>
        d.AddrSize == 2 ? offset & 0xFFFF : d.AddrSize == 4 ? (uint)offset : offset;

    /// <summary>The segment of the memory operand (override prefix or the default DS/SS).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MemorySeg(ref DecodedInstruction d) => d.MemSegment;

    /// <summary>Reads operand <paramref name="op"/>; immediates are sign-extended as encoded and cut to <paramref name="size"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadOp(ref DecodedInstruction d, int op, int size)
    {
        OperandAccess access;
        int r;
        if (op == 0) { access = d.Access0; r = d.Reg0; }
        else if (op == 1) { access = d.Access1; r = d.Reg1; }
        else { access = d.Access2; r = d.Reg2; }
        switch (access)
        {
            case OperandAccess.Reg32: return R(r);
            case OperandAccess.Reg16: return R(r) & 0xFFFF;
            case OperandAccess.Reg8Low: case OperandAccess.Reg8High: return Reg8(access, r);
            case OperandAccess.Memory: return ReadMem(d.MemSegment, EffectiveAddress(ref d), size);
            case OperandAccess.Immediate: return size == 8 ? (ulong)(int)d.Immediate : d.Immediate & SizeMask(size);
            case OperandAccess.Segment: return Segs[r].Selector;
            default: return ReadOpThroughIced(ref d, op, size);
        }
    }

    private ulong ReadOpThroughIced(ref DecodedInstruction d, int op, int size) =>
        d.I.GetOpKind(op) == OpKind.Register
            ? ReadReg(d.I.GetOpRegister(op))
            : d.I.GetImmediate(op) & SizeMask(size);

    /// <summary>Writes operand <paramref name="op"/> (register or memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteOp(ref DecodedInstruction d, int op, int size, ulong value)
    {
        OperandAccess access;
        int r;
        if (op == 0) { access = d.Access0; r = d.Reg0; }
        else { access = d.Access1; r = d.Reg1; }
        switch (access)
        {
            case OperandAccess.Reg32: R64(r) = (uint)value; break; // zero-extends (SDM Vol. 1, 3.4.1.1)
            case OperandAccess.Reg64: R64(r) = value; break;
            case OperandAccess.Reg16: R(r) = (R(r) & 0xFFFF0000) | ((uint)value & 0xFFFF); break;
            case OperandAccess.Reg8Low: case OperandAccess.Reg8High: SetReg8(access, r, value); break;
            case OperandAccess.Memory: WriteMem(d.MemSegment, EffectiveAddress(ref d), size, value); break;
            default: WriteReg(d.I.GetOpRegister(op), value); break;
        }
    }

    /// <summary>AL..BL (<see cref="OperandAccess.Reg8Low"/>) or AH..BH (high byte) of register <paramref name="reg"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Reg8(OperandAccess access, int reg) =>
        access == OperandAccess.Reg8Low ? R(reg) & 0xFF : (R(reg) >> 8) & 0xFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetReg8(OperandAccess access, int reg, ulong value)
    {
        ref uint r = ref R(reg);
        uint v = (uint)value & 0xFF;
        r = access == OperandAccess.Reg8Low ? (r & 0xFFFFFF00) | v : (r & 0xFFFF00FF) | (v << 8);
    }

    /// <summary>Reads operand 0 of a read-modify-write instruction, checking the memory is writable first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadDest(ref DecodedInstruction d, int size)
    {
        if (d.Access0 != OperandAccess.Memory)
            return ReadOp(ref d, 0, size);
        _destLinear = Linear(d.MemSegment, EffectiveAddress(ref d), size, write: true);
        return ReadForUpdate(_destLinear, size);
    }

    /// <summary>Writes operand 0 after <see cref="ReadDest"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteDest(ref DecodedInstruction d, int size, ulong value)
    {
        if (d.Access0 != OperandAccess.Memory)
            WriteOp(ref d, 0, size, value);
        else
            WriteAfterUpdate(_destLinear, size, value);
    }

    /// <summary>The target of a near relative branch (the cache entry was decoded at this very RIP).</summary>
    public ulong NearTarget(ref DecodedInstruction d)
    {
        ulong target = d.I.Op0Kind switch
        {
            OpKind.NearBranch16 => d.I.NearBranch16,
            OpKind.NearBranch32 => d.I.NearBranch32,
            _ => d.I.NearBranch64,
        };
        return d.OpSize == 2 ? target & 0xFFFF : target;
    }
}
