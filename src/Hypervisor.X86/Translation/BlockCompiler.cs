using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Compiles a <see cref="ScannedBlock"/> into one DynamicMethod that RyuJIT turns into host code.
/// <list type="bullet">
/// <item>The general registers the block uses live in IL locals from entry to exit; the lazy-flag record
/// (operation, operands, result) too, and the operation is known at translation time after each ALU
/// instruction, so a Jcc after CMP is one host compare.</item>
/// <item>Memory goes through the TLB inline (<see cref="BlockCompiler"/>.Memory.cs); a miss, MMIO or a
/// fault takes the interpreter's own access methods after the locals are written back ("spilled"), so
/// a fault or an MMIO exit sees exactly the state at the start of the faulting instruction.</item>
/// <item>Branches inside the block are IL branches; a backward one checks RequestExit and the
/// instruction limit first, so a loop in one page runs inside one method call.</item>
/// <item>Every instruction retires exactly as in the interpreter (same count, same order of effects).</item>
/// </list>
/// </summary>
internal sealed partial class BlockCompiler
{
    private readonly ScannedBlock _block;
    private readonly DecodedInstruction[] _code;
    private readonly bool _segmentChecks;
    private readonly bool _stack32;
    /// <summary>64-bit code: registers are 64-bit locals, addresses 64-bit, no segment limits (BlockCompiler.Long.cs).</summary>
    private readonly bool _code64;
    private readonly ILGenerator _il;
    private readonly DynamicMethod _method;
    private readonly Label[] _labels;
    private readonly bool[] _isTarget;
    private readonly Label _exit;

    // State in locals.
    private readonly LocalBuilder _regs;
    private readonly LocalBuilder?[] _r = new LocalBuilder?[16];
    private readonly LocalBuilder _fop, _fa, _fb, _fr;
    private readonly LocalBuilder _retired;
    private readonly LocalBuilder _exitEip;
    private readonly LocalBuilder _leave;
    private readonly LocalBuilder _tlb0;
    private readonly LocalBuilder?[] _segBase = new LocalBuilder?[6];
    // Scratch (reused by every instruction; RyuJIT renames them).
    private readonly LocalBuilder _tA, _tB, _tR, _tEa, _tLa, _tVal, _tWVal, _tPtr, _tEntry;

    /// <summary>The instruction being compiled.</summary>
    private int _index;
    /// <summary>The current instruction may set <see cref="_leave"/> (a slow-path access).</summary>
    private bool _mayLeave;
    private int _flatSegments;

    private BlockCompiler(ScannedBlock block, bool segmentChecks, bool stack32)
    {
        _block = block;
        _stack32 = stack32;
        _code = block.Instructions;
        _code64 = IsCode64(ref _code[block.EntryIndex]);
        _segmentChecks = segmentChecks;
        _method = new DynamicMethod($"block_{block.PhysicalPage + (_code[block.EntryIndex].Tag & Memory.PhysicalMemory.PageMask):x}",
            null, [typeof(Cpu.Cpu), typeof(DecodedInstruction[])], typeof(Cpu.Cpu), skipVisibility: true);
        _il = _method.GetILGenerator();
        _labels = new Label[_code.Length];
        for (int i = 0; i < _labels.Length; i++)
            _labels[i] = _il.DefineLabel();
        _exit = _il.DefineLabel();
        _isTarget = new bool[_code.Length];

        _regs = _il.DeclareLocal(typeof(ulong[]));
        _fop = _il.DeclareLocal(typeof(int));
        _fa = _il.DeclareLocal(typeof(uint));
        _fb = _il.DeclareLocal(typeof(uint));
        _fr = _il.DeclareLocal(typeof(uint));
        _retired = _il.DeclareLocal(typeof(ulong));
        _exitEip = _il.DeclareLocal(typeof(ulong));
        _leave = _il.DeclareLocal(typeof(int));
        _tlb0 = _il.DeclareLocal(typeof(Memory.TlbEntry).MakeByRefType());
        _tA = _il.DeclareLocal(typeof(uint));
        _tB = _il.DeclareLocal(typeof(uint));
        _tR = _il.DeclareLocal(typeof(uint));
        _tEa = _il.DeclareLocal(_code64 ? typeof(ulong) : typeof(uint));
        _tLa = _il.DeclareLocal(_code64 ? typeof(ulong) : typeof(uint));
        _tVal = _il.DeclareLocal(typeof(uint));
        _tWVal = _il.DeclareLocal(typeof(uint));
        _tPtr = _il.DeclareLocal(typeof(nint));
        _tEntry = _il.DeclareLocal(typeof(Memory.TlbEntry).MakeByRefType());
        if (_code64)
            Declare64BitLocals();
        DeclareSlowPath();
    }

    /// <summary>
    /// True when a block may contain this instruction: it has code of its own here
    /// (<see cref="IsNative"/>), or it only computes on registers, flags and memory and the interpreter
    /// runs it in place (<see cref="FastForms.ContinuesBlock"/>). Other branches and everything that
    /// changes mode, segments or control state end the block.
    /// </summary>
    public static bool CanTranslate(ref DecodedInstruction d, bool stack32) =>
        IsNative(ref d, stack32) || (d.ContinuesBlock && d.Fast is not (FastForm.Jcc or FastForm.JmpRel or FastForm.CallRel or FastForm.Ret
            or FastForm.JmpRelQ or FastForm.CallRelQ or FastForm.RetQ));

    /// <summary>The forms compiled to IL of their own; most 16-bit register forms go to the interpreter.</summary>
    private static bool IsNative(ref DecodedInstruction d, bool stack32) => IsCode64(ref d) ? IsNative64(ref d) : d.Fast switch
    {
        FastForm.None => false,
        FastForm.MovRM16 or FastForm.MovMR16 or FastForm.ShlRI16 or FastForm.ShrRI16 or FastForm.SarRI16 => true,
        >= FastForm.MovRR16 => false,
        FastForm.PushR or FastForm.PopR or FastForm.PushI or FastForm.CallRel or FastForm.Ret => stack32 && d.OpSize == 4,
        _ => true,
    };

    /// <summary>The block a scan describes, its code not yet compiled.</summary>
    public static TranslatedBlock Describe(ScannedBlock block)
    {
        ulong maxEip = 0;
        foreach (var d in block.Instructions)
            maxEip = Math.Max(maxEip, d.Rip);
        return new TranslatedBlock
        {
            Instructions = block.Instructions,
            EntryEip = block.Instructions[block.EntryIndex].Rip,
            Code64 = IsCode64(ref block.Instructions[block.EntryIndex]),
            PhysicalPage = block.PhysicalPage,
            ChunkMask = block.ChunkMask,
            InstructionCount = block.Instructions.Length,
            MaxEip = maxEip,
        };
    }

    /// <summary>
    /// Compiles the block's code, has RyuJIT compile it (one call that returns at once) and publishes
    /// it; a translator bug is kept in <see cref="TranslatedBlock.Failure"/> for the vCPU to report.
    /// </summary>
    public static void CompileInto(TranslatedBlock target, ScannedBlock block, bool stack32, bool segmentChecks)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var c = new BlockCompiler(block, segmentChecks, stack32);
            bool usesStack = c.EmitBlock();
            var code = (BlockCode)c._method.CreateDelegate(typeof(BlockCode));
            long emitted = System.Diagnostics.Stopwatch.GetTimestamp();
            code(null!, null!);
            TranslationStatistics.RecordJit(System.Diagnostics.Stopwatch.GetElapsedTime(emitted));
            target.Publish(code,
                (segmentChecks ? BlockAssumptions.SegmentChecks : 0) | (usesStack && stack32 ? BlockAssumptions.Stack32 : 0),
                segmentChecks ? c._flatSegments : 0);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            target.Fail(ex);
        }
        TranslationStatistics.Record(block.Instructions.Length, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Emits the whole method; true when it uses the stack (and so needs a 32-bit SS).</summary>
    private bool EmitBlock()
    {
        int used = 0;
        bool usesStack = false;
        int segments = 0;
        for (int i = 0; i < _code.Length; i++)
        {
            if (!IsNative(ref _code[i], _stack32))
                continue; // the interpreter runs it on the spilled state
            used |= RegistersOf(ref _code[i]);
            if (_code[i].Fast is FastForm.PushRQ or FastForm.PopRQ or FastForm.PushIQ or FastForm.CallRelQ or FastForm.RetQ)
            {
                used |= 1 << Gpr.ESP; // the 64-bit stack: SS has base 0 and no limit, whatever SS.B says
            }
            else if (_code[i].Fast is FastForm.PushR or FastForm.PopR or FastForm.PushI or FastForm.CallRel or FastForm.Ret)
            {
                usesStack = true;
                segments |= 1 << Seg.SS;
                used |= 1 << Gpr.ESP;
            }
            else if (HasMemoryOperand(ref _code[i]))
            {
                segments |= 1 << _code[i].MemSegment;
            }
            if (_code[i].Fast is FastForm.Jcc or FastForm.JmpRel or FastForm.CallRel or FastForm.JmpRelQ or FastForm.CallRelQ
                && _block.IndexOf(_code[i].Target) is int t and >= 0)
                _isTarget[t] = true;
        }
        for (int i = 1; i < _code.Length; i++)
        {
            if (!FallsThrough(ref _code[i - 1], _code[i].Rip))
                _isTarget[i] = true;
        }
        _isTarget[_block.EntryIndex] = true;

        // A null code array (the warm-up call that gets the method jitted) returns at once.
        var body = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Brtrue, body);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(body);
        EmitPrologue(used, segments);
        _il.Emit(OpCodes.Br, _labels[_block.EntryIndex]);
        for (_index = 0; _index < _code.Length; _index++)
        {
            _il.MarkLabel(_labels[_index]);
            if (_isTarget[_index])
                _known = Known.Dynamic;
            _mayLeave = false;
            EmitInstruction(ref _code[_index]);
        }
        EmitSharedSlowPath();
        EmitEpilogue();
        return usesStack;
    }

    private static bool FallsThrough(ref DecodedInstruction d, ulong next) =>
        d.Fast is not (FastForm.JmpRel or FastForm.CallRel or FastForm.Ret or FastForm.JmpRelQ or FastForm.CallRelQ or FastForm.RetQ)
        && d.NextRip == next;

    private static bool HasMemoryOperand(ref DecodedInstruction d) =>
        d.Access0 == OperandAccess.Memory || d.Access1 == OperandAccess.Memory || d.Access2 == OperandAccess.Memory;

    /// <summary>The general registers an instruction reads or writes (bit n = register n).</summary>
    private static int RegistersOf(ref DecodedInstruction d)
    {
        int mask = 0;
        if (IsRegister(d.Access0)) mask |= 1 << d.Reg0;
        if (IsRegister(d.Access1)) mask |= 1 << d.Reg1;
        if (IsRegister(d.Access2)) mask |= 1 << d.Reg2;
        if (HasMemoryOperand(ref d))
        {
            if (d.MemBase >= 0) mask |= 1 << d.MemBase;
            if (d.MemIndex >= 0) mask |= 1 << d.MemIndex;
        }
        return mask;
    }

    private static bool IsRegister(OperandAccess a) =>
        a is OperandAccess.Reg64 or OperandAccess.Reg32 or OperandAccess.Reg16 or OperandAccess.Reg8Low or OperandAccess.Reg8High;

    private void EmitPrologue(int used, int segments)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.Regs);
        _il.Emit(OpCodes.Stloc, _regs);
        for (int n = 0; n < 16; n++)
        {
            if ((used & (1 << n)) == 0)
                continue;
            _r[n] = _il.DeclareLocal(_code64 ? typeof(ulong) : typeof(uint));
        }
        EmitLoadState();
        LoadField(CpuState.Retired, _retired);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _leave);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.Tlb);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ldelema, typeof(Memory.TlbEntry));
        _il.Emit(OpCodes.Stloc, _tlb0);
        if (_code64)
            segments &= (1 << Seg.FS) | (1 << Seg.GS); // only FS and GS have a base in 64-bit mode
        for (int s = 0; s < 6; s++)
        {
            if ((segments & (1 << s)) == 0)
                continue;
            _segBase[s] = _il.DeclareLocal(_code64 ? typeof(ulong) : typeof(uint));
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldfld, CpuState.Segs);
            _il.Emit(OpCodes.Ldc_I4, s);
            _il.Emit(OpCodes.Ldelema, typeof(SegmentCache));
            _il.Emit(OpCodes.Ldfld, CpuState.SegmentBase);
            _il.Emit(OpCodes.Stloc, _segBase[s]!);
        }
    }

    private void LoadField(System.Reflection.FieldInfo field, LocalBuilder local)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, field);
        _il.Emit(OpCodes.Stloc, local);
    }

    private void StoreField(System.Reflection.FieldInfo field, LocalBuilder local)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, local);
        _il.Emit(OpCodes.Stfld, field);
    }

    /// <summary>Registers back to the array and the flag record back to the CPU.</summary>
    private void EmitWriteBack()
    {
        for (int n = 0; n < 16; n++)
        {
            if (_r[n] is not { } local)
                continue;
            _il.Emit(OpCodes.Ldloc, _regs);
            _il.Emit(OpCodes.Ldc_I4, n);
            _il.Emit(OpCodes.Ldloc, local);
            if (!_code64)
                _il.Emit(OpCodes.Conv_U8); // a 32-bit register write zero-extends (bits 63:32 are not observable outside 64-bit mode)
            _il.Emit(OpCodes.Stelem_I8);
        }
        EmitSpillFlags();
        StoreField(CpuState.Retired, _retired);
    }

    /// <summary>The register locals and the flag record from the CPU (entry, and after the interpreter ran).</summary>
    private void EmitLoadState()
    {
        for (int n = 0; n < 16; n++)
        {
            if (_r[n] is not { } local)
                continue;
            _il.Emit(OpCodes.Ldloc, _regs);
            _il.Emit(OpCodes.Ldc_I4, n);
            _il.Emit(OpCodes.Ldelem_I8);
            if (!_code64)
                _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Stloc, local);
        }
        LoadField(CpuState.LazyOp, _fop);
        LoadField(CpuState.LazyA, _fa);
        LoadField(CpuState.LazyB, _fb);
        LoadField(CpuState.LazyResult, _fr);
    }

    private void EmitSpillFlags()
    {
        StoreField(CpuState.LazyOp, _fop);
        StoreField(CpuState.LazyA, _fa);
        StoreField(CpuState.LazyB, _fb);
        StoreField(CpuState.LazyResult, _fr);
    }

    private void EmitEpilogue()
    {
        _il.MarkLabel(_exit);
        EmitWriteBack();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _exitEip);
        _il.Emit(OpCodes.Stfld, CpuState.Rip);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>Leaves the block with RIP = <paramref name="eip"/>.</summary>
    private void EmitExit(ulong eip)
    {
        _il.Emit(OpCodes.Ldc_I8, unchecked((long)eip));
        _il.Emit(OpCodes.Stloc, _exitEip);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>One instruction retired.</summary>
    private void EmitRetire()
    {
        _il.Emit(OpCodes.Ldloc, _retired);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _retired);
    }

    /// <summary>
    /// Continues at <paramref name="eip"/>: the next instruction in the method, a branch to its label
    /// (backward ones check RequestExit and the instruction limit first), or an exit from the block.
    /// </summary>
    private void EmitContinue(ulong eip, bool mayFallThrough = true)
    {
        int target = _block.IndexOf(eip);
        if (target < 0)
        {
            EmitExit(eip);
            return;
        }
        if (target == _index + 1 && mayFallThrough)
            return; // falls into the next instruction's code
        if (target > _index)
        {
            _il.Emit(OpCodes.Br, _labels[target]);
            return;
        }
        var leave = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Volatile);
        _il.Emit(OpCodes.Ldfld, CpuState.Attention);
        _il.Emit(OpCodes.Brtrue, leave);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.InstructionLimit);
        _il.Emit(OpCodes.Ldloc, _retired);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Ldc_I8, (long)_code.Length);
        _il.Emit(OpCodes.Blt_Un, leave);
        _il.Emit(OpCodes.Br, _labels[target]);
        _il.MarkLabel(leave);
        EmitExit(eip);
    }

    /// <summary>After an instruction whose slow path may have stored into code or made an MMIO exit: leave before the next.</summary>
    private void EmitLeaveCheck(ulong next)
    {
        if (!_mayLeave)
            return;
        var stay = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _leave);
        _il.Emit(OpCodes.Brfalse, stay);
        EmitExit(next);
        _il.MarkLabel(stay);
    }
}
