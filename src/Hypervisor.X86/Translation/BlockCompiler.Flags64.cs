using System.Reflection.Emit;
using Hypervisor.X86.Cpu;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Status flags of the 64-bit operations (Cpu/LazyFlags64.cs's record). The record is written to the
/// CPU's 64-bit fields when the operation runs, so spills and the interpreter see it with no extra
/// work, and kept in 64-bit locals so a condition after a 64-bit CMP, TEST or ADD in the same
/// straight-line code is one host compare.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>Owes the flags of a 64-bit <paramref name="op"/> on a = <see cref="_qA"/>, b = <see cref="_qB"/>, result = <see cref="_qR"/>.</summary>
    private void EmitLazy64(LazyFlagsOp op)
    {
        bool logic = op == LazyFlagsOp.Logic64;
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Stloc, _fop);
        StoreRecord64(_fa64, CpuState.LazyA64, logic ? null : _qA);
        StoreRecord64(_fb64, CpuState.LazyB64, logic ? null : _qB);
        StoreRecord64(_fr64, CpuState.LazyResult64, _qR);
        _known = op switch
        {
            LazyFlagsOp.Add64 => Known.Add64,
            LazyFlagsOp.Sub64 => Known.Sub64,
            LazyFlagsOp.Logic64 => Known.Logic64,
            LazyFlagsOp.Inc64 or LazyFlagsOp.Dec64 => Known.Dynamic, // conditions through FastCondition
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not a 64-bit operation"),
        };
    }

    /// <summary>local = field = <paramref name="value"/> (0 when null: a logic operation's operands).</summary>
    private void StoreRecord64(LocalBuilder local, System.Reflection.FieldInfo field, LocalBuilder? value)
    {
        if (value is null)
            Const64(0);
        else
            _il.Emit(OpCodes.Ldloc, value);
        _il.Emit(OpCodes.Stloc, local);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, local);
        _il.Emit(OpCodes.Stfld, field);
    }

    /// <summary>Pushes the un-negated test <paramref name="test"/> (tttn >> 1) from a known 64-bit record; false when there is none.</summary>
    private bool EmitKnownCondition64(int test)
    {
        switch (_known)
        {
            case Known.Sub64:
                switch (test)
                {
                    case 0: Overflow64(sub: true); return true;
                    case 1: Compare64(_fa64, _fb64, OpCodes.Clt_Un); return true;
                    case 2: Compare64(_fa64, _fb64, OpCodes.Ceq); return true;
                    case 3: Compare64(_fa64, _fb64, OpCodes.Cgt_Un); Not(); return true;
                    case 4: Compare64(_fr64, null, OpCodes.Clt); return true;
                    case 6: Compare64(_fa64, _fb64, OpCodes.Clt); return true;
                    case 7: Compare64(_fa64, _fb64, OpCodes.Cgt); Not(); return true;
                }
                return false;
            case Known.Logic64:
                switch (test)
                {
                    case 0 or 1: _il.Emit(OpCodes.Ldc_I4_0); return true;
                    case 2 or 3: Compare64(_fr64, null, OpCodes.Ceq); return true; // CF = 0: BE is ZF
                    case 4 or 6: Compare64(_fr64, null, OpCodes.Clt); return true;
                    case 7: Compare64(_fr64, null, OpCodes.Cgt); Not(); return true;
                }
                return false;
            case Known.Add64:
                switch (test)
                {
                    case 0: Overflow64(sub: false); return true;
                    case 1: Compare64(_fr64, _fa64, OpCodes.Clt_Un); return true;
                    case 2: Compare64(_fr64, null, OpCodes.Ceq); return true;
                    case 3: Compare64(_fr64, _fa64, OpCodes.Clt_Un); Compare64(_fr64, null, OpCodes.Ceq); _il.Emit(OpCodes.Or); return true;
                    case 4: Compare64(_fr64, null, OpCodes.Clt); return true;
                    case 6: Compare64(_fr64, null, OpCodes.Clt); Overflow64(sub: false); _il.Emit(OpCodes.Xor); return true;
                    case 7:
                        Compare64(_fr64, null, OpCodes.Clt); Overflow64(sub: false); _il.Emit(OpCodes.Xor);
                        Compare64(_fr64, null, OpCodes.Ceq); _il.Emit(OpCodes.Or);
                        return true;
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>Pushes (a op b), or (a op 0) without b, on quadwords; signed compares treat them as long.</summary>
    private void Compare64(LocalBuilder a, LocalBuilder? b, OpCode op)
    {
        _il.Emit(OpCodes.Ldloc, a);
        if (b is null)
            Const64(0);
        else
            _il.Emit(OpCodes.Ldloc, b);
        _il.Emit(op);
    }

    /// <summary>OF of a ± b = r on quadwords (as AddAuxOverflow/SubAuxOverflow at bit 63).</summary>
    private void Overflow64(bool sub)
    {
        // sub: (a ^ b) & (a ^ r); add: (a ^ r) & (b ^ r)
        _il.Emit(OpCodes.Ldloc, _fa64);
        _il.Emit(OpCodes.Ldloc, sub ? _fb64 : _fr64);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Ldloc, sub ? _fa64 : _fb64);
        _il.Emit(OpCodes.Ldloc, _fr64);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, 63);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Conv_I4);
    }
}
