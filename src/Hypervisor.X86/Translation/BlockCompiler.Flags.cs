using System.Reflection.Emit;
using Hypervisor.X86.Cpu;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Status flags in translated code. The lazy record (operation, a, b, result) lives in locals, and the
/// compiler knows which operation last wrote it along straight-line code (<see cref="Known"/>), so a
/// condition after CMP, SUB, ADD, a logic operation, INC or DEC is computed from the operands in a
/// compare or two; the six flags are never computed unless PUSHF, an interrupt or parity needs them.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>What the compiler knows about the flags at the current point.</summary>
    private enum Known
    {
        /// <summary>The record in the locals came from elsewhere (block entry, a branch target).</summary>
        Dynamic,
        /// <summary>Computed into the CPU's EFLAGS; the record's operation is None.</summary>
        Computed,
        Add32, Sub32, Logic32, Inc32, Dec32, Sub8,
        /// <summary>SHL, SHR or SAR: ZF and SF come from the result; the rest through the CPU's evaluation.</summary>
        Shift,
        /// <summary>64-bit operations: the record is in the CPU's 64-bit fields and in 64-bit locals (BlockCompiler.Long.cs).</summary>
        Add64, Sub64, Logic64,
    }

    private Known _known;

    /// <summary>Owes the flags of <paramref name="op"/> on a = <see cref="_tA"/>, b = <see cref="_tB"/>, result = <see cref="_tR"/>.</summary>
    private void EmitLazy(LazyFlagsOp op)
    {
        _il.Emit(OpCodes.Ldc_I4, (int)op);
        _il.Emit(OpCodes.Stloc, _fop);
        if (op is LazyFlagsOp.Logic32)
        {
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Stloc, _fa);
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Stloc, _fb);
        }
        else
        {
            _il.Emit(OpCodes.Ldloc, _tA);
            _il.Emit(OpCodes.Stloc, _fa);
            _il.Emit(OpCodes.Ldloc, _tB);
            _il.Emit(OpCodes.Stloc, _fb);
        }
        _il.Emit(OpCodes.Ldloc, _tR);
        _il.Emit(OpCodes.Stloc, _fr);
        _known = op switch
        {
            LazyFlagsOp.Add32 => Known.Add32,
            LazyFlagsOp.Sub32 => Known.Sub32,
            LazyFlagsOp.Logic32 => Known.Logic32,
            LazyFlagsOp.Inc32 => Known.Inc32,
            LazyFlagsOp.Dec32 => Known.Dec32,
            LazyFlagsOp.Sub8 => Known.Sub8,
            LazyFlagsOp.Shl32 or LazyFlagsOp.Shr32 or LazyFlagsOp.Sar32 => Known.Shift,
            LazyFlagsOp.Shl16 or LazyFlagsOp.Shr16 or LazyFlagsOp.Sar16 => Known.Dynamic, // conditions through FastCondition
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "no translated form owes these flags"),
        };
    }

    /// <summary>Before an interpreter method that reads or writes EFLAGS itself: the CPU gets the record.</summary>
    private void EmitFlagsToCpu() => EmitSpillFlags();

    /// <summary>After such a method computed the flags into EFLAGS: the record is None.</summary>
    private void EmitFlagsComputed()
    {
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _fop);
        _known = Known.Computed;
    }

    /// <summary>INC/DEC keep CF: settle the owed CF into EFLAGS first (SetLazyIncDec).</summary>
    private void EmitSettleCarry()
    {
        switch (_known)
        {
            case Known.Computed or Known.Inc32 or Known.Dec32:
                return; // CF already sits in EFLAGS
            case Known.Dynamic or Known.Shift or Known.Add64 or Known.Sub64 or Known.Logic64:
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Call, CpuState.SettleCarry);
                return;
        }
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.Flags);
        Const(~Eflags.CF);
        _il.Emit(OpCodes.And);
        switch (_known)
        {
            case Known.Add32:
                _il.Emit(OpCodes.Ldloc, _fr);
                _il.Emit(OpCodes.Ldloc, _fa);
                _il.Emit(OpCodes.Clt_Un);
                break;
            case Known.Sub32 or Known.Sub8:
                _il.Emit(OpCodes.Ldloc, _fa);
                _il.Emit(OpCodes.Ldloc, _fb);
                _il.Emit(OpCodes.Clt_Un);
                break;
            default:
                _il.Emit(OpCodes.Ldc_I4_0);
                break;
        }
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stfld, CpuState.Flags);
    }

    /// <summary>Pushes condition tttn (SDM Vol. 1, B.1) as 0 or 1.</summary>
    private void EmitCondition(int cc)
    {
        if (!EmitKnownCondition(cc >> 1))
        {
            EmitGeneralCondition(cc);
            return;
        }
        if ((cc & 1) != 0)
        {
            _il.Emit(OpCodes.Ldc_I4_0);
            _il.Emit(OpCodes.Ceq);
        }
    }

    /// <summary>The condition through the CPU's own evaluation (parity, CF after INC/DEC, unknown records).</summary>
    private void EmitGeneralCondition(int cc)
    {
        if (_known == Known.Computed)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldc_I4, cc);
            _il.Emit(OpCodes.Call, CpuState.Condition);
            return;
        }
        EmitFlagsToCpu();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, cc);
        _il.Emit(OpCodes.Call, CpuState.FastCondition);
        // FastCondition may have computed EFLAGS (record None) or left the record: take what it left.
        LoadField(CpuState.LazyOp, _fop);
        _known = Known.Dynamic;
    }

    /// <summary>Pushes the un-negated test <paramref name="test"/> (tttn >> 1) from a known record; false when there is none.</summary>
    private bool EmitKnownCondition(int test)
    {
        switch (_known)
        {
            case Known.Sub32:
                switch (test)
                {
                    case 0: Overflow(_fa, _fb, sub: true, 31); return true;
                    case 1: Compare(_fa, _fb, OpCodes.Clt_Un); return true;
                    case 2: Compare(_fa, _fb, OpCodes.Ceq); return true;
                    case 3: Compare(_fa, _fb, OpCodes.Cgt_Un); Not(); return true;
                    case 4: Compare(_fr, null, OpCodes.Clt); return true;
                    case 6: Compare(_fa, _fb, OpCodes.Clt); return true;
                    case 7: Compare(_fa, _fb, OpCodes.Cgt); Not(); return true;
                }
                return false;
            case Known.Sub8:
                switch (test)
                {
                    case 0: Overflow(_fa, _fb, sub: true, 7); return true;
                    case 1: Compare(_fa, _fb, OpCodes.Clt_Un); return true;
                    case 2: Compare(_fa, _fb, OpCodes.Ceq); return true;
                    case 3: Compare(_fa, _fb, OpCodes.Cgt_Un); Not(); return true;
                    case 4: Bit(_fr, 7); return true;
                    case 6: SignedBytes(OpCodes.Clt); return true;
                    case 7: SignedBytes(OpCodes.Cgt); Not(); return true;
                }
                return false;
            case Known.Logic32:
                switch (test)
                {
                    case 0 or 1: _il.Emit(OpCodes.Ldc_I4_0); return true;
                    case 2 or 3: Compare(_fr, null, OpCodes.Ceq); return true;
                    case 4 or 6: Compare(_fr, null, OpCodes.Clt); return true;
                    case 7: Compare(_fr, null, OpCodes.Cgt); Not(); return true;
                }
                return false;
            case Known.Add32:
                switch (test)
                {
                    case 0: Overflow(_fa, _fb, sub: false, 31); return true;
                    case 1: Compare(_fr, _fa, OpCodes.Clt_Un); return true;
                    case 2: Compare(_fr, null, OpCodes.Ceq); return true;
                    case 3: Compare(_fr, _fa, OpCodes.Clt_Un); Compare(_fr, null, OpCodes.Ceq); _il.Emit(OpCodes.Or); return true;
                    case 4: Compare(_fr, null, OpCodes.Clt); return true;
                    case 6: SignXorOverflow(sub: false); return true;
                    case 7: SignXorOverflow(sub: false); Compare(_fr, null, OpCodes.Ceq); _il.Emit(OpCodes.Or); return true;
                }
                return false;
            case Known.Shift:
                switch (test)
                {
                    case 2: Compare(_fr, null, OpCodes.Ceq); return true;
                    case 4: Compare(_fr, null, OpCodes.Clt); return true;
                }
                return false;
            case Known.Inc32 or Known.Dec32:
                switch (test)
                {
                    case 0: IncDecOverflow(); return true;
                    case 2: Compare(_fr, null, OpCodes.Ceq); return true;
                    case 4: Compare(_fr, null, OpCodes.Clt); return true;
                    case 6: Compare(_fr, null, OpCodes.Clt); IncDecOverflow(); _il.Emit(OpCodes.Xor); return true;
                    case 7:
                        Compare(_fr, null, OpCodes.Clt); IncDecOverflow(); _il.Emit(OpCodes.Xor);
                        Compare(_fr, null, OpCodes.Ceq); _il.Emit(OpCodes.Or);
                        return true;
                }
                return false;
            default:
                return EmitKnownCondition64(test);
        }
    }

    /// <summary>Pushes (a op b), or (a op 0) without b; signed compares treat the values as int.</summary>
    private void Compare(LocalBuilder a, LocalBuilder? b, OpCode op)
    {
        _il.Emit(OpCodes.Ldloc, a);
        if (b is null)
            _il.Emit(OpCodes.Ldc_I4_0);
        else
            _il.Emit(OpCodes.Ldloc, b);
        _il.Emit(op);
    }

    private void Not()
    {
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ceq);
    }

    private void Bit(LocalBuilder value, int bit)
    {
        _il.Emit(OpCodes.Ldloc, value);
        _il.Emit(OpCodes.Ldc_I4, bit);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
    }

    /// <summary>OF of a ± b = r at sign bit <paramref name="signBit"/> (as AddAuxOverflow/SubAuxOverflow).</summary>
    private void Overflow(LocalBuilder a, LocalBuilder b, bool sub, int signBit)
    {
        // sub: (a ^ b) & (a ^ r); add: (a ^ r) & (b ^ r)
        _il.Emit(OpCodes.Ldloc, a);
        _il.Emit(OpCodes.Ldloc, sub ? b : _fr);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.Ldloc, sub ? a : b);
        _il.Emit(OpCodes.Ldloc, _fr);
        _il.Emit(OpCodes.Xor);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4, signBit);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
    }

    private void SignXorOverflow(bool sub)
    {
        Compare(_fr, null, OpCodes.Clt);
        Overflow(_fa, _fb, sub, 31);
        _il.Emit(OpCodes.Xor);
    }

    /// <summary>OF of INC (result 0x80000000) or DEC (result 0x7FFFFFFF).</summary>
    private void IncDecOverflow()
    {
        _il.Emit(OpCodes.Ldloc, _fr);
        Const(_known == Known.Inc32 ? 0x80000000u : 0x7FFFFFFFu);
        _il.Emit(OpCodes.Ceq);
    }

    /// <summary>Signed compare of the byte operands a and b of a CMP r/m8.</summary>
    private void SignedBytes(OpCode op)
    {
        _il.Emit(OpCodes.Ldloc, _fa);
        _il.Emit(OpCodes.Conv_I1);
        _il.Emit(OpCodes.Ldloc, _fb);
        _il.Emit(OpCodes.Conv_I1);
        _il.Emit(op);
    }
}
