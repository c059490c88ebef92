using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// One fast form each, with the same effects in the same order as its handler in Execution/FastPath.cs:
/// memory accesses (which may fault) first, then register and flag writes.
/// </summary>
internal sealed partial class BlockCompiler
{
    private void EmitInstruction(ref DecodedInstruction d)
    {
        if (!IsNative(ref d, _stack32))
        {
            EmitInterpreted();
            EmitRetire();
            EmitLeaveCheck(d.NextRip);
            EmitContinue(d.NextRip);
            return;
        }
        switch (d.Fast)
        {
            case FastForm.Jcc: EmitJcc(ref d); return;
            case FastForm.JmpRel or FastForm.JmpRelQ: EmitJmp(ref d); return;
            case FastForm.CallRel: EmitCall(ref d); return;
            case FastForm.Ret: EmitRet(); return;
            case FastForm.CallRelQ: EmitCallQ(ref d); return;
            case FastForm.RetQ: EmitRetQ(); return;
        }
        if (d.Fast >= FastForm.MovRRQ)
            EmitBody64(ref d);
        else
            EmitBody(ref d);
        if (_code64 && d.ZeroExtendsReg0)
            EmitZeroExtend(d.Reg0); // also when nothing was stored (CMOVcc r32 with a false condition)
        EmitRetire();
        EmitLeaveCheck(d.NextRip);
        EmitContinue(d.NextRip);
    }

    private void EmitBody(ref DecodedInstruction d)
    {
        int reg0 = d.Reg0, reg1 = d.Reg1; // for the lambdas below, which cannot capture d
        switch (d.Fast)
        {
            case FastForm.MovRR: LoadRegister(d.Reg1); StoreRegister(d.Reg0); break;
            case FastForm.MovRI: Const(d.Immediate); StoreRegister(d.Reg0); break;
            case FastForm.MovRM: EmitReadMemory(ref d, 4); StoreRegister(d.Reg0); break;
            case FastForm.MovMR: LoadRegister(d.Reg1); _il.Emit(OpCodes.Stloc, _tWVal); EmitWriteMemory(ref d, 4); break;
            case FastForm.MovMI: Const(d.Immediate); _il.Emit(OpCodes.Stloc, _tWVal); EmitWriteMemory(ref d, 4); break;
            case FastForm.MovM8I: Const(d.Immediate & 0xFF); _il.Emit(OpCodes.Stloc, _tWVal); EmitWriteMemory(ref d, 1); break;
            case FastForm.MovRM8Zx: EmitReadMemory(ref d, 1); StoreRegister(d.Reg0); break;
            case FastForm.MovRM16: EmitReadMemory(ref d, 2); StoreWord(d.Reg0); break;
            case FastForm.MovMR16: LoadRegister(d.Reg1); _il.Emit(OpCodes.Stloc, _tWVal); EmitWriteMemory(ref d, 2); break;
            case FastForm.ShlRI16: case FastForm.ShrRI16: case FastForm.SarRI16: EmitShiftImmediate(ref d, FastForm.ShlRI16, 2); break;

            case FastForm.AddRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.Add, LazyFlagsOp.Add32, store: true); break;
            case FastForm.AddRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.Add, LazyFlagsOp.Add32, store: true); break; }
            case FastForm.AddRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.Add, LazyFlagsOp.Add32, store: true); break;
            case FastForm.AddMR: LoadRegister(d.Reg1); EmitAddMemory(ref d); break;
            case FastForm.AddMI: Const(d.Immediate); EmitAddMemory(ref d); break;
            case FastForm.AndRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.And, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.OrRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.Or, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.XorRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.Xor, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.AndMR: case FastForm.OrMR: case FastForm.XorMR:
            {
                var (op, alu) = d.Fast switch
                {
                    FastForm.AndMR => (OpCodes.And, RmwOp.And),
                    FastForm.OrMR => (OpCodes.Or, RmwOp.Or),
                    _ => (OpCodes.Xor, RmwOp.Xor),
                };
                LoadRegister(d.Reg1); _il.Emit(OpCodes.Stloc, _tWVal);
                EmitReadModifyWrite(ref d, alu);
                _il.Emit(OpCodes.Ldloc, _tVal); _il.Emit(OpCodes.Stloc, _tA);
                _il.Emit(OpCodes.Ldloc, _tWVal); _il.Emit(OpCodes.Stloc, _tB);
                EmitResult(op, LazyFlagsOp.Logic32);
                break;
            }
            case FastForm.IncM: case FastForm.DecM:
            {
                bool increment = d.Fast == FastForm.IncM;
                EmitSettleCarry();
                _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Stloc, _tWVal);
                EmitReadModifyWrite(ref d, increment ? RmwOp.Add : RmwOp.Sub);
                _il.Emit(OpCodes.Ldloc, _tVal); _il.Emit(OpCodes.Stloc, _tA);
                _il.Emit(OpCodes.Ldc_I4_1); _il.Emit(OpCodes.Stloc, _tB);
                EmitResult(increment ? OpCodes.Add : OpCodes.Sub, increment ? LazyFlagsOp.Inc32 : LazyFlagsOp.Dec32);
                break;
            }
            case FastForm.SubRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.Sub, LazyFlagsOp.Sub32, store: true); break;
            case FastForm.SubRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.Sub, LazyFlagsOp.Sub32, store: true); break; }
            case FastForm.SubRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.Sub, LazyFlagsOp.Sub32, store: true); break;
            case FastForm.CmpRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.Sub, LazyFlagsOp.Sub32, store: false); break;
            case FastForm.CmpRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.Sub, LazyFlagsOp.Sub32, store: false); break; }
            case FastForm.CmpRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB); EmitAlu(d.Reg0, null, OpCodes.Sub, LazyFlagsOp.Sub32, store: false); break;
            case FastForm.CmpMR:
                EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tA);
                LoadRegister(d.Reg1); _il.Emit(OpCodes.Stloc, _tB);
                EmitResult(OpCodes.Sub, LazyFlagsOp.Sub32);
                break;
            case FastForm.CmpMI:
                EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tA);
                Const(d.Immediate); _il.Emit(OpCodes.Stloc, _tB);
                EmitResult(OpCodes.Sub, LazyFlagsOp.Sub32);
                break;
            case FastForm.CmpM8I:
                EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Stloc, _tA);
                Const(d.Immediate & 0xFF); _il.Emit(OpCodes.Stloc, _tB);
                EmitByteCompare();
                break;
            case FastForm.AndRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.And, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.AndRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.And, LazyFlagsOp.Logic32, store: true); break; }
            case FastForm.OrRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.Or, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.OrRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.Or, LazyFlagsOp.Logic32, store: true); break; }
            case FastForm.XorRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.Xor, LazyFlagsOp.Logic32, store: true); break;
            case FastForm.XorRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.Xor, LazyFlagsOp.Logic32, store: true); break; }
            case FastForm.TestRR: EmitAlu(d.Reg0, () => LoadRegister(reg1), OpCodes.And, LazyFlagsOp.Logic32, store: false); break;
            case FastForm.TestRI: { uint imm = d.Immediate; EmitAlu(d.Reg0, () => Const(imm), OpCodes.And, LazyFlagsOp.Logic32, store: false); break; }
            case FastForm.IncR: EmitIncDec(d.Reg0, increment: true); break;
            case FastForm.DecR: EmitIncDec(d.Reg0, increment: false); break;
            case FastForm.NegR:
                _il.Emit(OpCodes.Ldc_I4_0); _il.Emit(OpCodes.Stloc, _tA);
                LoadRegister(d.Reg0); _il.Emit(OpCodes.Stloc, _tB);
                EmitResult(OpCodes.Sub, LazyFlagsOp.Sub32);
                _il.Emit(OpCodes.Ldloc, _tR); StoreRegister(d.Reg0);
                break;
            case FastForm.NotR: LoadRegister(d.Reg0); _il.Emit(OpCodes.Not); StoreRegister(d.Reg0); break;
            case FastForm.XchgRR:
                LoadRegister(d.Reg0); _il.Emit(OpCodes.Stloc, _tA);
                LoadRegister(d.Reg1); StoreRegister(d.Reg0);
                _il.Emit(OpCodes.Ldloc, _tA); StoreRegister(d.Reg1);
                break;
            case FastForm.LeaR:
                EmitEffectiveAddress(ref d);
                if (_code64)
                    _il.Emit(OpCodes.Conv_U4); // LEA r32, [64-bit address]: the address cut to 32 bits
                StoreRegister(d.Reg0);
                break;

            case FastForm.PushR: LoadRegister(d.Reg0); EmitPush(); break;
            case FastForm.PushI: Const(d.Immediate); EmitPush(); break;
            case FastForm.PopR:
                LoadRegister(Gpr.ESP); _il.Emit(OpCodes.Stloc, _tEa);
                EmitRead(Seg.SS, 4); _il.Emit(OpCodes.Stloc, _tA);
                _il.Emit(OpCodes.Ldloc, _tEa); _il.Emit(OpCodes.Ldc_I4_4); _il.Emit(OpCodes.Add); StoreRegister(Gpr.ESP);
                _il.Emit(OpCodes.Ldloc, _tA); StoreRegister(d.Reg0);
                break;

            case FastForm.ShlRI: case FastForm.ShrRI: case FastForm.SarRI: EmitShiftImmediate(ref d, FastForm.ShlRI, 4); break;
            case FastForm.RolRI: case FastForm.RorRI:
            {
                uint count = d.Immediate & 0x1F;
                if (count == 0)
                    break; // a masked count of 0 changes nothing, flags included
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldc_I4, (int)(d.Fast - FastForm.ShlRI));
                LoadRegister(d.Reg0);
                Const(count);
                _il.Emit(OpCodes.Call, CpuState.Shift);
                StoreRegister(d.Reg0);
                EmitFlagsComputed();
                break;
            }
            case FastForm.AdcRR: EmitFlagsCall(CpuState.Adc32, d.Reg0, () => LoadRegister(reg0), () => LoadRegister(reg1)); break;
            case FastForm.SbbRR: EmitFlagsCall(CpuState.Sbb32, d.Reg0, () => LoadRegister(reg0), () => LoadRegister(reg1)); break;
            case FastForm.AdcRI: { uint imm = d.Immediate; EmitFlagsCall(CpuState.Adc32, d.Reg0, () => LoadRegister(reg0), () => Const(imm)); break; }
            case FastForm.SbbRI: { uint imm = d.Immediate; EmitFlagsCall(CpuState.Sbb32, d.Reg0, () => LoadRegister(reg0), () => Const(imm)); break; }
            case FastForm.ImulRR: EmitImul(d.Reg0, () => LoadRegister(reg0), () => LoadRegister(reg1)); break;
            case FastForm.ImulRRI: { uint imm = d.Immediate; EmitImul(d.Reg0, () => LoadRegister(reg1), () => Const(imm)); break; }
            case FastForm.ImulRM:
                EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tB);
                EmitImul(d.Reg0, () => LoadRegister(reg0), () => _il.Emit(OpCodes.Ldloc, _tB));
                break;

            case FastForm.MovzxRR8: LoadByte(d.Access1, d.Reg1); StoreRegister(d.Reg0); break;
            case FastForm.MovzxRR16: LoadRegister(d.Reg1); Const(0xFFFF); _il.Emit(OpCodes.And); StoreRegister(d.Reg0); break;
            case FastForm.MovzxRM16: EmitReadMemory(ref d, 2); StoreRegister(d.Reg0); break;
            case FastForm.MovsxRR8: LoadByte(d.Access1, d.Reg1); _il.Emit(OpCodes.Conv_I1); StoreRegister(d.Reg0); break;
            case FastForm.MovsxRR16: LoadRegister(d.Reg1); _il.Emit(OpCodes.Conv_I2); StoreRegister(d.Reg0); break;
            case FastForm.MovsxRM8: EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Conv_I1); StoreRegister(d.Reg0); break;
            case FastForm.MovsxRM16: EmitReadMemory(ref d, 2); _il.Emit(OpCodes.Conv_I2); StoreRegister(d.Reg0); break;

            case FastForm.MovR8M: EmitReadMemory(ref d, 1); StoreByte(d.Access0, d.Reg0); break;
            case FastForm.MovMR8: LoadByte(d.Access1, d.Reg1); _il.Emit(OpCodes.Stloc, _tWVal); EmitWriteMemory(ref d, 1); break;
            case FastForm.MovR8R8: LoadByte(d.Access1, d.Reg1); StoreByte(d.Access0, d.Reg0); break;
            case FastForm.MovR8I: Const(d.Immediate & 0xFF); StoreByte(d.Access0, d.Reg0); break;
            case FastForm.CmpR8R8:
                LoadByte(d.Access0, d.Reg0); _il.Emit(OpCodes.Stloc, _tA);
                LoadByte(d.Access1, d.Reg1); _il.Emit(OpCodes.Stloc, _tB);
                EmitByteCompare();
                break;
            case FastForm.CmpR8I:
                LoadByte(d.Access0, d.Reg0); _il.Emit(OpCodes.Stloc, _tA);
                Const(d.Immediate & 0xFF); _il.Emit(OpCodes.Stloc, _tB);
                EmitByteCompare();
                break;
            case FastForm.TestR8R8: case FastForm.TestR8I:
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                LoadByte(d.Access0, d.Reg0);
                if (d.Fast == FastForm.TestR8I) Const(d.Immediate & 0xFF); else LoadByte(d.Access1, d.Reg1);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.Call, CpuState.LogicFlags);
                _il.Emit(OpCodes.Pop);
                EmitFlagsComputed();
                break;
            case FastForm.AddR8M: case FastForm.SubR8M: case FastForm.AndR8M: case FastForm.OrR8M: case FastForm.XorR8M:
                EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Stloc, _tB); // the read may fault: before any effect
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldc_I4, (int)(d.Fast - FastForm.AddR8M));
                LoadByte(d.Access0, d.Reg0);
                _il.Emit(OpCodes.Ldloc, _tB);
                _il.Emit(OpCodes.Call, CpuState.Alu8);
                StoreByte(d.Access0, d.Reg0);
                EmitFlagsComputed();
                break;
            case FastForm.AddR8I: case FastForm.SubR8I: case FastForm.AndR8I: case FastForm.OrR8I: case FastForm.XorR8I:
            case FastForm.AddR8R8: case FastForm.SubR8R8: case FastForm.AndR8R8: case FastForm.OrR8R8: case FastForm.XorR8R8:
            {
                bool immediate = d.Fast <= FastForm.XorR8I;
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldc_I4, (int)(d.Fast - (immediate ? FastForm.AddR8I : FastForm.AddR8R8)));
                LoadByte(d.Access0, d.Reg0);
                if (immediate) Const(d.Immediate & 0xFF); else LoadByte(d.Access1, d.Reg1);
                _il.Emit(OpCodes.Call, CpuState.Alu8);
                StoreByte(d.Access0, d.Reg0);
                EmitFlagsComputed();
                break;
            }
            case FastForm.SetccR8: EmitCondition(d.Condition); StoreByte(d.Access0, d.Reg0); break;
            case FastForm.CmovRR:
            {
                var skip = _il.DefineLabel();
                EmitCondition(d.Condition);
                _il.Emit(OpCodes.Brfalse, skip);
                LoadRegister(d.Reg1); StoreRegister(d.Reg0);
                _il.MarkLabel(skip);
                break;
            }
            case FastForm.CmovRM:
            {
                var skip = _il.DefineLabel();
                EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Stloc, _tA); // read (and may fault) even when false
                EmitCondition(d.Condition);
                _il.Emit(OpCodes.Brfalse, skip);
                _il.Emit(OpCodes.Ldloc, _tA); StoreRegister(d.Reg0);
                _il.MarkLabel(skip);
                break;
            }
            default:
                throw new InvalidOperationException($"the translator has no code for {d.Fast}");
        }
    }

    /// <summary>
    /// The interpreter runs the instruction on the CPU's own state: everything in locals is written
    /// back first and read again after (it may write any register and the flags).
    /// </summary>
    private void EmitInterpreted()
    {
        EmitSlowCall(SlowCall.Interpret, _index);
        _known = Known.Dynamic;
    }

    /// <summary>reg0 op b, flags owed; b pushed by <paramref name="loadB"/> (or already in <see cref="_tB"/>).</summary>
    private void EmitAlu(int reg0, Action? loadB, OpCode op, LazyFlagsOp flags, bool store)
    {
        LoadRegister(reg0);
        _il.Emit(OpCodes.Stloc, _tA);
        if (loadB is not null)
        {
            loadB();
            _il.Emit(OpCodes.Stloc, _tB);
        }
        EmitResult(op, flags);
        if (store)
        {
            _il.Emit(OpCodes.Ldloc, _tR);
            StoreRegister(reg0);
        }
    }

    /// <summary><see cref="_tR"/> = a op b, flags owed.</summary>
    private void EmitResult(OpCode op, LazyFlagsOp flags)
    {
        _il.Emit(OpCodes.Ldloc, _tA);
        _il.Emit(OpCodes.Ldloc, _tB);
        _il.Emit(op);
        _il.Emit(OpCodes.Stloc, _tR);
        EmitLazy(flags);
    }

    /// <summary>CMP of the bytes in <see cref="_tA"/> and <see cref="_tB"/> (flags owed as Sub8).</summary>
    private void EmitByteCompare()
    {
        _il.Emit(OpCodes.Ldloc, _tA);
        _il.Emit(OpCodes.Ldloc, _tB);
        _il.Emit(OpCodes.Sub);
        Const(0xFF);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Stloc, _tR);
        EmitLazy(LazyFlagsOp.Sub8);
    }

    private void EmitIncDec(int reg, bool increment)
    {
        EmitSettleCarry();
        LoadRegister(reg);
        _il.Emit(OpCodes.Stloc, _tA);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Stloc, _tB);
        EmitResult(increment ? OpCodes.Add : OpCodes.Sub, increment ? LazyFlagsOp.Inc32 : LazyFlagsOp.Dec32);
        _il.Emit(OpCodes.Ldloc, _tR);
        StoreRegister(reg);
    }

    /// <summary>ADD m32, src (src pushed): the flags are owed only once the store succeeded.</summary>
    private void EmitAddMemory(ref DecodedInstruction d)
    {
        _il.Emit(OpCodes.Stloc, _tWVal);
        EmitReadModifyWrite(ref d, RmwOp.Add);
        _il.Emit(OpCodes.Ldloc, _tVal);
        _il.Emit(OpCodes.Stloc, _tA);
        _il.Emit(OpCodes.Ldloc, _tWVal);
        _il.Emit(OpCodes.Stloc, _tB);
        EmitResult(OpCodes.Add, LazyFlagsOp.Add32);
    }

    private void EmitImul(int reg0, Action loadA, Action loadB) => EmitFlagsCall(CpuState.Imul32, reg0, loadA, loadB);

    /// <summary>reg0 = the CPU's <paramref name="method"/>(a, b), which reads and computes EFLAGS itself (IMUL, ADC, SBB).</summary>
    private void EmitFlagsCall(System.Reflection.MethodInfo method, int reg0, Action loadA, Action loadB)
    {
        EmitFlagsToCpu();
        _il.Emit(OpCodes.Ldarg_0);
        loadA();
        loadB();
        _il.Emit(OpCodes.Call, method);
        StoreRegister(reg0);
        EmitFlagsComputed();
    }

    /// <summary>PUSH of the pushed value on a 32-bit stack: the store first, ESP after it.</summary>
    private void EmitPush()
    {
        _il.Emit(OpCodes.Stloc, _tWVal);
        LoadRegister(Gpr.ESP);
        _il.Emit(OpCodes.Ldc_I4_4);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitWrite(Seg.SS, 4);
        _il.Emit(OpCodes.Ldloc, _tEa);
        StoreRegister(Gpr.ESP);
    }

    /// <summary>
    /// SHL/SHR/SAR of a <paramref name="size"/>-byte register by an immediate (<paramref name="shl"/>:
    /// the SHL form of its group): the flags are owed with a = the value and b = the count, as the
    /// interpreter's ShiftRegister/ShiftRegister16 owe them; a masked count of 0 changes nothing.
    /// </summary>
    private void EmitShiftImmediate(ref DecodedInstruction d, FastForm shl, int size)
    {
        uint count = d.Immediate & 0x1F;
        if (count == 0)
            return;
        int kind = d.Fast - shl; // 0 SHL, 1 SHR, 2 SAR
        LoadRegister(d.Reg0);
        if (size == 2)
        {
            Const(0xFFFF);
            _il.Emit(OpCodes.And);
        }
        _il.Emit(OpCodes.Stloc, _tA);
        Const(count);
        _il.Emit(OpCodes.Stloc, _tB);
        _il.Emit(OpCodes.Ldloc, _tA);
        if (size == 2 && kind == 2)
            _il.Emit(OpCodes.Conv_I2); // SAR shifts the word's sign in
        Const(count);
        _il.Emit(kind switch { 0 => OpCodes.Shl, 1 => OpCodes.Shr_Un, _ => OpCodes.Shr });
        if (size == 2)
        {
            Const(0xFFFF);
            _il.Emit(OpCodes.And);
        }
        _il.Emit(OpCodes.Stloc, _tR);
        _il.Emit(OpCodes.Ldloc, _tR);
        if (size == 2)
            StoreWord(d.Reg0);
        else
            StoreRegister(d.Reg0);
        EmitLazy((size == 2 ? LazyFlagsOp.Shl16 : LazyFlagsOp.Shl32) + (byte)kind);
    }
}
