using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// 64-bit code (IA-32e mode, CS.L = 1). The register locals are 64 bits wide; the 8/16/32-bit forms
/// compile as in 32-bit code on the low half (a 32-bit result zero-extends, a byte or word result
/// keeps the other bits), and the REX.W forms (Decoding/FastForms64.cs) get 64-bit IL of their own,
/// with the same effects in the same order as their handlers in Execution/FastPath64.cs. Addresses
/// are 64-bit, with no segment limits: only FS and GS have a base. A non-canonical address never hits
/// the TLB, so the slow path's accessor raises its #GP or #SS, as in the interpreter.
/// </summary>
internal sealed partial class BlockCompiler
{
    // 64-bit scratch and the 64-bit lazy-flag record (written through to the CPU's fields as well,
    // so a spill has nothing more to write; the locals let a Jcc after CMP compare in registers).
    private LocalBuilder _qA = null!, _qB = null!, _qR = null!, _qVal = null!, _qWVal = null!;
    private LocalBuilder _fa64 = null!, _fb64 = null!, _fr64 = null!;

    private void Declare64BitLocals()
    {
        _qA = _il.DeclareLocal(typeof(ulong));
        _qB = _il.DeclareLocal(typeof(ulong));
        _qR = _il.DeclareLocal(typeof(ulong));
        _qVal = _il.DeclareLocal(typeof(ulong));
        _qWVal = _il.DeclareLocal(typeof(ulong));
        _fa64 = _il.DeclareLocal(typeof(ulong));
        _fb64 = _il.DeclareLocal(typeof(ulong));
        _fr64 = _il.DeclareLocal(typeof(ulong));
    }

    private static bool IsCode64(ref DecodedInstruction d) => (d.Tag & InstructionCache.Code64Bit) != 0;

    /// <summary>
    /// The forms compiled to IL in 64-bit code. A memory operand must have a 64-bit address (a 67
    /// prefix goes to the interpreter); the 16-bit forms are as in 32-bit code.
    /// </summary>
    private static bool IsNative64(ref DecodedInstruction d)
    {
        if (HasMemoryOperand(ref d) && d.AddrSize != 8)
            return false;
        return d.Fast switch
        {
            FastForm.None => false,
            FastForm.PushR or FastForm.PopR or FastForm.PushI or FastForm.JmpRel or FastForm.CallRel or FastForm.Ret or FastForm.XchgRR => false,
            FastForm.MovRM16 or FastForm.MovMR16 or FastForm.ShlRI16 or FastForm.ShrRI16 or FastForm.SarRI16 => true,
            < FastForm.MovRR16 => true,
            FastForm.MovRRQ or FastForm.MovRIQ or FastForm.MovRMQ or FastForm.MovMRQ or FastForm.MovMIQ or FastForm.MovRIQ64
                or FastForm.AddRRQ or FastForm.AddRIQ or FastForm.AddRMQ or FastForm.SubRRQ or FastForm.SubRIQ or FastForm.SubRMQ
                or FastForm.CmpRRQ or FastForm.CmpRIQ or FastForm.CmpRMQ or FastForm.CmpMRQ or FastForm.CmpMIQ
                or FastForm.AndRRQ or FastForm.AndRIQ or FastForm.AndRMQ or FastForm.OrRRQ or FastForm.OrRIQ or FastForm.OrRMQ
                or FastForm.XorRRQ or FastForm.XorRIQ or FastForm.XorRMQ
                or FastForm.TestRRQ or FastForm.TestRIQ or FastForm.TestMRQ or FastForm.TestMIQ
                or FastForm.IncRQ or FastForm.DecRQ or FastForm.NegRQ or FastForm.NotRQ or FastForm.LeaRQ
                or FastForm.PushRQ or FastForm.PopRQ or FastForm.PushIQ or FastForm.JmpRelQ or FastForm.CallRelQ or FastForm.RetQ
                or FastForm.MovsxdRR or FastForm.MovsxdRM or FastForm.MovzxRQ8 or FastForm.MovzxRMQ8 or FastForm.MovsxRMQ8
                or FastForm.CmovRRQ or FastForm.CmovRMQ or FastForm.NopQ or FastForm.TestM8IQ or FastForm.CmpR8MQ
                or FastForm.ShlRIQ or FastForm.ShrRIQ or FastForm.SarRIQ or FastForm.ImulRRQ or FastForm.ImulRMQ or FastForm.ImulRRIQ
                or FastForm.AdcRRQ or FastForm.AdcRIQ or FastForm.ShlRCQ or FastForm.ShrRCQ or FastForm.SarRCQ => true,
            _ => false, // ADD/SUB to memory of quadwords: the interpreter, in place
        };
    }

    private void EmitBody64(ref DecodedInstruction d)
    {
        int reg0 = d.Reg0, reg1 = d.Reg1; // for the lambdas below, which cannot capture d
        long imm = (int)d.Immediate; // imm8/imm32 of a 64-bit operation: sign-extended
        switch (d.Fast)
        {
            case FastForm.MovRRQ: LoadRegister64(d.Reg1); StoreRegister64(d.Reg0); break;
            case FastForm.MovRIQ: Const64(imm); StoreRegister64(d.Reg0); break;
            case FastForm.MovRIQ64: Const64((long)d.I.Immediate64); StoreRegister64(d.Reg0); break;
            case FastForm.MovRMQ: EmitReadMemory(ref d, 8); StoreRegister64(d.Reg0); break;
            case FastForm.MovMRQ: LoadRegister64(d.Reg1); _il.Emit(OpCodes.Stloc, _qWVal); EmitWriteMemory(ref d, 8); break;
            case FastForm.MovMIQ: Const64(imm); _il.Emit(OpCodes.Stloc, _qWVal); EmitWriteMemory(ref d, 8); break;

            case FastForm.AddRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.Add, LazyFlagsOp.Add64, store: true); break;
            case FastForm.AddRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.Add, LazyFlagsOp.Add64, store: true); break;
            case FastForm.AddRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.Add, LazyFlagsOp.Add64, store: true); break;
            case FastForm.SubRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.Sub, LazyFlagsOp.Sub64, store: true); break;
            case FastForm.SubRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.Sub, LazyFlagsOp.Sub64, store: true); break;
            case FastForm.SubRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.Sub, LazyFlagsOp.Sub64, store: true); break;
            case FastForm.CmpRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.Sub, LazyFlagsOp.Sub64, store: false); break;
            case FastForm.CmpRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.Sub, LazyFlagsOp.Sub64, store: false); break;
            case FastForm.CmpRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.Sub, LazyFlagsOp.Sub64, store: false); break;
            case FastForm.CmpMRQ: case FastForm.CmpMIQ: case FastForm.TestMRQ: case FastForm.TestMIQ:
            {
                bool test = d.Fast is FastForm.TestMRQ or FastForm.TestMIQ;
                EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qA);
                if (d.Fast is FastForm.CmpMRQ or FastForm.TestMRQ) LoadRegister64(d.Reg1); else Const64(imm);
                _il.Emit(OpCodes.Stloc, _qB);
                EmitResult64(test ? OpCodes.And : OpCodes.Sub, test ? LazyFlagsOp.Logic64 : LazyFlagsOp.Sub64);
                break;
            }
            case FastForm.AndRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.And, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.AndRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.And, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.AndRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.And, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.OrRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.Or, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.OrRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.Or, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.OrRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.Or, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.XorRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.Xor, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.XorRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.Xor, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.XorRMQ: EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); EmitAlu64(d.Reg0, null, OpCodes.Xor, LazyFlagsOp.Logic64, store: true); break;
            case FastForm.TestRRQ: EmitAlu64(d.Reg0, () => LoadRegister64(reg1), OpCodes.And, LazyFlagsOp.Logic64, store: false); break;
            case FastForm.TestRIQ: EmitAlu64(d.Reg0, () => Const64(imm), OpCodes.And, LazyFlagsOp.Logic64, store: false); break;

            case FastForm.IncRQ: case FastForm.DecRQ:
            {
                bool increment = d.Fast == FastForm.IncRQ;
                EmitSettleCarry();
                EmitAlu64(d.Reg0, () => Const64(1), increment ? OpCodes.Add : OpCodes.Sub, increment ? LazyFlagsOp.Inc64 : LazyFlagsOp.Dec64, store: true);
                break;
            }
            case FastForm.NegRQ:
                Const64(0); _il.Emit(OpCodes.Stloc, _qA);
                LoadRegister64(d.Reg0); _il.Emit(OpCodes.Stloc, _qB);
                EmitResult64(OpCodes.Sub, LazyFlagsOp.Sub64);
                _il.Emit(OpCodes.Ldloc, _qR); StoreRegister64(d.Reg0);
                break;
            case FastForm.NotRQ: LoadRegister64(d.Reg0); _il.Emit(OpCodes.Not); StoreRegister64(d.Reg0); break;
            case FastForm.LeaRQ: EmitEffectiveAddress(ref d); StoreRegister64(d.Reg0); break;

            case FastForm.PushRQ: LoadRegister64(d.Reg0); EmitPushQ(); break;
            case FastForm.PushIQ: Const64(imm); EmitPushQ(); break;
            case FastForm.PopRQ:
                LoadRegister64(Gpr.ESP); _il.Emit(OpCodes.Stloc, _tEa);
                EmitRead(Seg.SS, 8); _il.Emit(OpCodes.Stloc, _qA);
                _il.Emit(OpCodes.Ldloc, _tEa); Const64(8); _il.Emit(OpCodes.Add); StoreRegister64(Gpr.ESP);
                _il.Emit(OpCodes.Ldloc, _qA); StoreRegister64(d.Reg0); // POP RSP: the value read wins
                break;

            case FastForm.MovsxdRR: LoadRegister(d.Reg1); _il.Emit(OpCodes.Conv_I8); StoreRegister64(d.Reg0); break;
            case FastForm.MovsxdRM: EmitReadMemory(ref d, 4); _il.Emit(OpCodes.Conv_I8); StoreRegister64(d.Reg0); break;
            case FastForm.MovzxRQ8: LoadByte(d.Access1, d.Reg1); _il.Emit(OpCodes.Conv_U8); StoreRegister64(d.Reg0); break;
            case FastForm.MovzxRMQ8: EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Conv_U8); StoreRegister64(d.Reg0); break;
            case FastForm.MovsxRMQ8: EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Conv_I1); _il.Emit(OpCodes.Conv_I8); StoreRegister64(d.Reg0); break;

            case FastForm.CmovRRQ:
            {
                var skip = _il.DefineLabel();
                EmitCondition(d.Condition);
                _il.Emit(OpCodes.Brfalse, skip);
                LoadRegister64(d.Reg1); StoreRegister64(d.Reg0);
                _il.MarkLabel(skip);
                break;
            }
            case FastForm.CmovRMQ:
            {
                var skip = _il.DefineLabel();
                EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qA); // read (and may fault) even when false
                EmitCondition(d.Condition);
                _il.Emit(OpCodes.Brfalse, skip);
                _il.Emit(OpCodes.Ldloc, _qA); StoreRegister64(d.Reg0);
                _il.MarkLabel(skip);
                break;
            }
            case FastForm.ShlRIQ: case FastForm.ShrRIQ: case FastForm.SarRIQ:
            {
                int count = (int)(d.Immediate & 0x3F);
                if (count == 0)
                    break; // a masked count of 0 changes nothing, flags included
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldc_I4, (int)(d.Fast - FastForm.ShlRIQ));
                LoadRegister64(d.Reg0);
                _il.Emit(OpCodes.Ldc_I4, count);
                _il.Emit(OpCodes.Call, CpuState.Shift64);
                StoreRegister64(d.Reg0);
                EmitFlagsComputed();
                break;
            }
            case FastForm.ImulRRQ: EmitFlagsCall64(CpuState.ImulQ, d.Reg0, () => LoadRegister64(reg0), () => LoadRegister64(reg1)); break;
            case FastForm.ImulRRIQ: EmitFlagsCall64(CpuState.ImulQ, d.Reg0, () => LoadRegister64(reg1), () => Const64(imm)); break;
            case FastForm.ImulRMQ:
                EmitReadMemory(ref d, 8); _il.Emit(OpCodes.Stloc, _qB); // the read may fault: before any effect
                EmitFlagsCall64(CpuState.ImulQ, d.Reg0, () => LoadRegister64(reg0), () => _il.Emit(OpCodes.Ldloc, _qB));
                break;
            case FastForm.AdcRRQ: EmitFlagsCall64(CpuState.Adc64, d.Reg0, () => LoadRegister64(reg0), () => LoadRegister64(reg1)); break;
            case FastForm.AdcRIQ: EmitFlagsCall64(CpuState.Adc64, d.Reg0, () => LoadRegister64(reg0), () => Const64(imm)); break;
            case FastForm.ShlRCQ: case FastForm.ShrRCQ: case FastForm.SarRCQ: EmitShiftByCl(ref d); break;
            case FastForm.NopQ: break;
            case FastForm.TestM8IQ:
                EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Stloc, _tB); // the read may fault: before any effect
                EmitFlagsToCpu();
                _il.Emit(OpCodes.Ldarg_0);
                _il.Emit(OpCodes.Ldloc, _tB);
                Const(d.Immediate & 0xFF);
                _il.Emit(OpCodes.And);
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.Call, CpuState.LogicFlags);
                _il.Emit(OpCodes.Pop);
                EmitFlagsComputed();
                break;
            case FastForm.CmpR8MQ:
                EmitReadMemory(ref d, 1); _il.Emit(OpCodes.Stloc, _tB);
                LoadByte(d.Access0, d.Reg0); _il.Emit(OpCodes.Stloc, _tA);
                EmitByteCompare();
                break;
            default:
                throw new InvalidOperationException($"the translator has no 64-bit code for {d.Fast}");
        }
    }

    /// <summary>reg0 op b on quadwords, flags owed; b pushed by <paramref name="loadB"/> (or already in <see cref="_qB"/>).</summary>
    private void EmitAlu64(int reg0, Action? loadB, OpCode op, LazyFlagsOp flags, bool store)
    {
        LoadRegister64(reg0);
        _il.Emit(OpCodes.Stloc, _qA);
        if (loadB is not null)
        {
            loadB();
            _il.Emit(OpCodes.Stloc, _qB);
        }
        EmitResult64(op, flags);
        if (store)
        {
            _il.Emit(OpCodes.Ldloc, _qR);
            StoreRegister64(reg0);
        }
    }

    /// <summary><see cref="_qR"/> = a op b, flags owed.</summary>
    private void EmitResult64(OpCode op, LazyFlagsOp flags)
    {
        _il.Emit(OpCodes.Ldloc, _qA);
        _il.Emit(OpCodes.Ldloc, _qB);
        _il.Emit(op);
        _il.Emit(OpCodes.Stloc, _qR);
        EmitLazy64(flags);
    }

    /// <summary>
    /// SHL/SHR/SAR of a 32- or 64-bit register by CL (masked to 5 or 6 bits). A count of 0 changes
    /// nothing, flags included, but a 32-bit register is still written, so it zero-extends (as Shift).
    /// Which of the two ran is known only at run time: the flags are dynamic after it.
    /// </summary>
    private void EmitShiftByCl(ref DecodedInstruction d)
    {
        bool quad = d.DataSize == 8;
        var none = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitFlagsToCpu();
        LoadRegister(Gpr.ECX);
        Const(quad ? 0x3Fu : 0x1Fu);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Stloc, _tB);
        _il.Emit(OpCodes.Ldloc, _tB);
        _il.Emit(OpCodes.Brfalse, none);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, (int)(d.Fast - FastForm.ShlRCQ));
        if (quad)
        {
            LoadRegister64(d.Reg0);
            _il.Emit(OpCodes.Ldloc, _tB);
            _il.Emit(OpCodes.Call, CpuState.Shift64);
            StoreRegister64(d.Reg0);
        }
        else
        {
            LoadRegister(d.Reg0);
            _il.Emit(OpCodes.Ldloc, _tB);
            _il.Emit(OpCodes.Call, CpuState.Shift);
            StoreRegister(d.Reg0);
        }
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _fop); // the flags are in EFLAGS now
        _il.Emit(OpCodes.Br, done);
        _il.MarkLabel(none);
        if (!quad)
            EmitZeroExtend(d.Reg0);
        _il.MarkLabel(done);
        _known = Known.Dynamic;
    }

    /// <summary>reg0 = the CPU's <paramref name="method"/>(a, b) on quadwords, which reads and computes EFLAGS itself (IMUL, ADC).</summary>
    private void EmitFlagsCall64(System.Reflection.MethodInfo method, int reg0, Action loadA, Action loadB)
    {
        EmitFlagsToCpu();
        _il.Emit(OpCodes.Ldarg_0);
        loadA();
        loadB();
        _il.Emit(OpCodes.Call, method);
        StoreRegister64(reg0);
        EmitFlagsComputed();
    }
}
