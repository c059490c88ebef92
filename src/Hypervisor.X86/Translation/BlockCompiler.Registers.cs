using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Guest registers in IL: loads and stores of the register locals, 32-bit (zero-extending in 64-bit
/// code) and 64-bit, and the byte and word registers, which keep the register's other bits.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>Pushes the low 32 bits of register <paramref name="n"/>.</summary>
    private void LoadRegister(int n)
    {
        if (_r[n] is { } local)
        {
            _il.Emit(OpCodes.Ldloc, local);
            if (_code64)
                _il.Emit(OpCodes.Conv_U4);
            return;
        }
        _il.Emit(OpCodes.Ldloc, _regs);
        _il.Emit(OpCodes.Ldc_I4, n);
        _il.Emit(OpCodes.Ldelem_I8);
        _il.Emit(OpCodes.Conv_U4);
    }

    /// <summary>Stores a 32-bit result into register <paramref name="n"/>; in 64-bit code it is zero-extended (SDM Vol. 1, 3.4.1.1).</summary>
    private void StoreRegister(int n)
    {
        if (_code64)
            _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _r[n]!);
    }

    private void Const(uint value) => _il.Emit(OpCodes.Ldc_I4, unchecked((int)value));

    private void LoadRegister64(int n)
    {
        if (_r[n] is { } local)
        {
            _il.Emit(OpCodes.Ldloc, local);
            return;
        }
        _il.Emit(OpCodes.Ldloc, _regs);
        _il.Emit(OpCodes.Ldc_I4, n);
        _il.Emit(OpCodes.Ldelem_I8);
    }

    private void StoreRegister64(int n) => _il.Emit(OpCodes.Stloc, _r[n]!);

    /// <summary>
    /// Stores the pushed 32-bit value (already shifted into place) into the bits
    /// <paramref name="mask"/> of register <paramref name="reg"/>, keeping all its other 64 bits.
    /// </summary>
    private void StorePartial64(int reg, uint mask)
    {
        _il.Emit(OpCodes.Conv_U8);
        LoadRegister64(reg);
        Const64(~(long)mask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
        StoreRegister64(reg);
    }

    /// <summary>Bits 63:32 of the register cleared (a 32-bit destination in 64-bit mode).</summary>
    private void EmitZeroExtend(int reg)
    {
        LoadRegister64(reg);
        _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Conv_U8);
        StoreRegister64(reg);
    }

    private void Const64(long value) => _il.Emit(OpCodes.Ldc_I8, value);

    /// <summary>Pushes AL..BL or AH..BH of register <paramref name="reg"/>.</summary>
    private void LoadByte(OperandAccess access, int reg)
    {
        LoadRegister(reg);
        if (access == OperandAccess.Reg8High)
        {
            _il.Emit(OpCodes.Ldc_I4_8);
            _il.Emit(OpCodes.Shr_Un);
        }
        Const(0xFF);
        _il.Emit(OpCodes.And);
    }

    /// <summary>Stores the low word of the pushed value into AX..DI, keeping the high word.</summary>
    private void StoreWord(int reg)
    {
        Const(0xFFFF);
        _il.Emit(OpCodes.And);
        if (_code64)
        {
            StorePartial64(reg, 0xFFFF);
            return;
        }
        LoadRegister(reg);
        Const(0xFFFF0000u);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
        StoreRegister(reg);
    }

    /// <summary>Stores the low byte of the pushed value into AL..BL or AH..BH.</summary>
    private void StoreByte(OperandAccess access, int reg)
    {
        bool high = access == OperandAccess.Reg8High;
        Const(0xFF);
        _il.Emit(OpCodes.And);
        if (high)
        {
            _il.Emit(OpCodes.Ldc_I4_8);
            _il.Emit(OpCodes.Shl);
        }
        if (_code64)
        {
            StorePartial64(reg, high ? 0xFF00u : 0xFFu);
            return;
        }
        LoadRegister(reg);
        Const(high ? 0xFFFF00FFu : 0xFFFFFF00u);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Or);
        StoreRegister(reg);
    }
}
