using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// One slow path per block. Every place that needs the interpreter (a TLB miss, MMIO, a fault, an
/// instruction without code of its own) records what to call and where to come back, then branches
/// here: the state is written back once, the call made, the state read again, and an IL switch
/// returns to the site. This keeps each memory access to a few IL instructions beyond its fast path,
/// so a block costs the JIT little more than its hot code.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>What the shared slow path calls.</summary>
    private enum SlowCall
    {
        Read8, Read16, Read32, Write8, Write16, Write32, ReadModifyWrite, Interpret, CheckTarget, Read64, Write64,
    }

    private readonly List<Label> _resumes = [];
    private Label _sharedSlow;
    private LocalBuilder _slowCall = null!, _slowSite = null!, _slowEip = null!, _slowArg = null!;

    private void DeclareSlowPath()
    {
        _sharedSlow = _il.DefineLabel();
        _slowCall = _il.DeclareLocal(typeof(int));
        _slowSite = _il.DeclareLocal(typeof(int));
        _slowEip = _il.DeclareLocal(typeof(ulong));
        _slowArg = _il.DeclareLocal(typeof(int));
    }

    /// <summary>
    /// Calls the interpreter for the current instruction through the shared slow path, as if the
    /// state had been written back here. Operands: the segment or instruction index in
    /// <paramref name="arg"/>, the offset in <see cref="_tEa"/>, a value in <see cref="_tWVal"/>;
    /// a result comes back in <see cref="_tVal"/>.
    /// </summary>
    private void EmitSlowCall(SlowCall call, int arg)
    {
        _mayLeave = true;
        var resume = _il.DefineLabel();
        Const((uint)call);
        _il.Emit(OpCodes.Stloc, _slowCall);
        Const((uint)arg);
        _il.Emit(OpCodes.Stloc, _slowArg);
        _il.Emit(OpCodes.Ldc_I8, unchecked((long)_code[_index].Rip));
        _il.Emit(OpCodes.Stloc, _slowEip);
        Const((uint)_resumes.Count);
        _il.Emit(OpCodes.Stloc, _slowSite);
        _resumes.Add(resume);
        _il.Emit(OpCodes.Br, _sharedSlow);
        _il.MarkLabel(resume);
    }

    private void EmitSharedSlowPath()
    {
        if (_resumes.Count == 0)
            return;
        _il.MarkLabel(_sharedSlow);
        // The state at the start of the instruction, and where it starts: a fault or an MMIO exit unwinds from here.
        EmitWriteBack();
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldloc, _slowEip);
        _il.Emit(OpCodes.Stfld, CpuState.InstrEip);
        _il.Emit(OpCodes.Ldarg_0);
        if (_code64)
        {
            LoadRegister64(Gpr.ESP);
        }
        else
        {
            LoadRegister(Gpr.ESP);
            _il.Emit(OpCodes.Conv_U8);
        }
        _il.Emit(OpCodes.Stfld, CpuState.InstrEsp);

        if (TranslationStatistics.Detailed)
        {
            _il.Emit(OpCodes.Ldloc, _slowCall);
            _il.Emit(OpCodes.Call, typeof(TranslationStatistics).GetMethod(nameof(TranslationStatistics.RecordSlowCall),
                System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!);
        }
        var calls = new Label[Enum.GetValues<SlowCall>().Length];
        for (int i = 0; i < calls.Length; i++)
            calls[i] = _il.DefineLabel();
        var after = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _slowCall);
        _il.Emit(OpCodes.Switch, calls);
        _il.Emit(OpCodes.Br, after);
        foreach (var call in Enum.GetValues<SlowCall>())
        {
            _il.MarkLabel(calls[(int)call]);
            if (!_code64 && call is SlowCall.Read64 or SlowCall.Write64)
            {
                _il.Emit(OpCodes.Br, after); // quadword accesses only occur in 64-bit code
                continue;
            }
            _il.Emit(OpCodes.Ldarg_0);
            switch (call)
            {
                case SlowCall.Read8 or SlowCall.Read16 or SlowCall.Read32:
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    LoadOffset();
                    _il.Emit(OpCodes.Call, call == SlowCall.Read8 ? CpuState.ReadMem8 : call == SlowCall.Read16 ? CpuState.ReadMem16 : CpuState.ReadMem32);
                    _il.Emit(OpCodes.Stloc, _tVal);
                    break;
                case SlowCall.Read64:
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    LoadOffset();
                    _il.Emit(OpCodes.Call, CpuState.ReadMem64);
                    _il.Emit(OpCodes.Stloc, _qVal);
                    break;
                case SlowCall.Write64:
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    LoadOffset();
                    _il.Emit(OpCodes.Ldloc, _qWVal);
                    _il.Emit(OpCodes.Call, CpuState.WriteMem64);
                    break;
                case SlowCall.Write8 or SlowCall.Write16 or SlowCall.Write32:
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    LoadOffset();
                    _il.Emit(OpCodes.Ldloc, _tWVal);
                    if (call == SlowCall.Write8)
                        _il.Emit(OpCodes.Conv_U1);
                    else if (call == SlowCall.Write16)
                        _il.Emit(OpCodes.Conv_U2);
                    _il.Emit(OpCodes.Call, call == SlowCall.Write8 ? CpuState.WriteMem8 : call == SlowCall.Write16 ? CpuState.WriteMem16 : CpuState.WriteMem32);
                    break;
                case SlowCall.ReadModifyWrite:
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    LoadOffset();
                    _il.Emit(OpCodes.Ldloc, _tWVal);
                    _il.Emit(OpCodes.Call, CpuState.ReadModifyWrite);
                    _il.Emit(OpCodes.Stloc, _tVal);
                    break;
                case SlowCall.Interpret:
                    _il.Emit(OpCodes.Ldarg_1);
                    _il.Emit(OpCodes.Ldloc, _slowArg);
                    _il.Emit(OpCodes.Ldelema, typeof(DecodedInstruction));
                    _il.Emit(OpCodes.Call, CpuState.ExecuteInBlock);
                    break;
                case SlowCall.CheckTarget:
                    _il.Emit(OpCodes.Ldloc, _code64 ? _qWVal : _tWVal);
                    if (!_code64)
                        _il.Emit(OpCodes.Conv_U8);
                    _il.Emit(OpCodes.Call, CpuState.CheckNearTarget);
                    break;
            }
            _il.Emit(OpCodes.Br, after);
        }

        _il.MarkLabel(after);
        // The interpreter may have written any register and the flags; a memory access leaves them as they were.
        EmitLoadState();
        // An MMIO store (an exit after this instruction) or a store into code ends the block after it.
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.ExitPending);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.LeaveBlock);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Ldloc, _leave);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _leave);
        _il.Emit(OpCodes.Ldloc, _slowSite);
        _il.Emit(OpCodes.Switch, _resumes.ToArray());
        _il.Emit(OpCodes.Ldc_I8, 0L);
        _il.Emit(OpCodes.Stloc, _exitEip);
        _il.Emit(OpCodes.Br, _exit); // not reached: every site has its resume label
    }

    /// <summary>Pushes the operand's offset (<see cref="_tEa"/>) as the ulong the interpreter's accessors take.</summary>
    private void LoadOffset()
    {
        _il.Emit(OpCodes.Ldloc, _tEa);
        if (!_code64)
            _il.Emit(OpCodes.Conv_U8);
    }
}
