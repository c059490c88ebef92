using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Near branches. A target inside the block is an IL branch (the block's entry check covers the CS
/// limit for every EIP in it); a target outside leaves the block, after the #GP check a near branch
/// past the CS limit makes (before anything changes, as JumpNear does).
/// </summary>
internal sealed partial class BlockCompiler
{
    private void EmitJcc(ref DecodedInstruction d)
    {
        var notTaken = _il.DefineLabel();
        EmitCondition(d.Condition);
        var knownAfter = _known; // a general condition may have computed the flags
        _il.Emit(OpCodes.Brfalse, notTaken);
        EmitTargetCheck(d.Target);
        EmitRetire();
        EmitContinue(d.Target, mayFallThrough: false);
        _il.MarkLabel(notTaken);
        _known = knownAfter;
        EmitRetire();
        EmitContinue(d.NextRip);
    }

    private void EmitJmp(ref DecodedInstruction d)
    {
        EmitTargetCheck(d.Target);
        EmitRetire();
        EmitContinue(d.Target);
    }

    /// <summary>CALL rel32 on a 32-bit stack: limit check, push the return EIP, go to the target.</summary>
    private void EmitCall(ref DecodedInstruction d)
    {
        EmitTargetCheck(d.Target);
        Const((uint)d.NextRip);
        EmitPush();
        EmitRetire();
        EmitLeaveCheck(d.Target);
        EmitContinue(d.Target);
    }

    /// <summary>RET on a 32-bit stack: pop the target, check it against the CS limit, leave the block there.</summary>
    private void EmitRet()
    {
        LoadRegister(Gpr.ESP);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitRead(Seg.SS, 4);
        _il.Emit(OpCodes.Stloc, _tA);
        var ok = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _tA);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.EipLimit);
        _il.Emit(OpCodes.Ble_Un, ok);
        _il.Emit(OpCodes.Ldloc, _tA);
        _il.Emit(OpCodes.Stloc, _tWVal);
        EmitSlowCall(SlowCall.CheckTarget, 0); // throws #GP
        _il.MarkLabel(ok);
        _il.Emit(OpCodes.Ldloc, _tEa);
        _il.Emit(OpCodes.Ldc_I4_4);
        _il.Emit(OpCodes.Add);
        StoreRegister(Gpr.ESP);
        EmitRetire();
        _il.Emit(OpCodes.Ldloc, _tA);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Stloc, _exitEip);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>A target outside the block may be past the CS limit (in 64-bit code: not canonical): #GP(0) at this instruction.</summary>
    private void EmitTargetCheck(ulong target)
    {
        if (_block.IndexOf(target) >= 0)
            return;
        if (_code64)
        {
            if (!Cpu.Cpu.IsCanonical(target))
            {
                _il.Emit(OpCodes.Ldc_I8, unchecked((long)target));
                _il.Emit(OpCodes.Stloc, _qWVal);
                EmitSlowCall(SlowCall.CheckTarget, 0); // throws #GP
            }
            return;
        }
        var ok = _il.DefineLabel();
        Const((uint)target);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, CpuState.EipLimit);
        _il.Emit(OpCodes.Ble_Un, ok);
        Const((uint)target);
        _il.Emit(OpCodes.Stloc, _tWVal);
        EmitSlowCall(SlowCall.CheckTarget, 0); // throws #GP
        _il.MarkLabel(ok);
    }

    /// <summary>CALL rel32 in 64-bit code: canonical check, push the return RIP, go to the target.</summary>
    private void EmitCallQ(ref DecodedInstruction d)
    {
        EmitTargetCheck(d.Target);
        Const64((long)d.NextRip);
        EmitPushQ();
        EmitRetire();
        EmitLeaveCheck(d.Target);
        EmitContinue(d.Target);
    }

    /// <summary>RET in 64-bit code: pop the target, #GP(0) if it is not canonical (RSP unchanged), leave the block there.</summary>
    private void EmitRetQ()
    {
        LoadRegister64(Gpr.ESP);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitRead(Seg.SS, 8);
        _il.Emit(OpCodes.Stloc, _qA);
        var ok = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _qA);
        _il.Emit(OpCodes.Ldc_I4_S, (sbyte)16);
        _il.Emit(OpCodes.Shl);
        _il.Emit(OpCodes.Ldc_I4_S, (sbyte)16);
        _il.Emit(OpCodes.Shr);
        _il.Emit(OpCodes.Ldloc, _qA);
        _il.Emit(OpCodes.Beq, ok);
        _il.Emit(OpCodes.Ldloc, _qA);
        _il.Emit(OpCodes.Stloc, _qWVal);
        EmitSlowCall(SlowCall.CheckTarget, 0); // throws #GP
        _il.MarkLabel(ok);
        _il.Emit(OpCodes.Ldloc, _tEa);
        Const64(8);
        _il.Emit(OpCodes.Add);
        StoreRegister64(Gpr.ESP);
        EmitRetire();
        _il.Emit(OpCodes.Ldloc, _qA);
        _il.Emit(OpCodes.Stloc, _exitEip);
        _il.Emit(OpCodes.Br, _exit);
    }
}
