using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Memory in 64-bit code (its effective addresses: <see cref="EmitEffectiveAddress"/>): the inline TLB
/// lookup with a 64-bit tag and no segment limits (only FS and GS have a base), and the 64-bit stack.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>The TLB lookup of <see cref="EmitTlbLookup"/> for 64-bit code: base only for FS/GS, no limit, a 64-bit tag.</summary>
    private void EmitTlbLookup64(int seg, int size, System.Reflection.FieldInfo pointer, Label slow)
    {
        _il.Emit(OpCodes.Ldloc, _tEa);
        if (seg >= Seg.FS)
        {
            _il.Emit(OpCodes.Ldloc, _segBase[seg]!);
            _il.Emit(OpCodes.Add);
        }
        _il.Emit(OpCodes.Stloc, _tLa);
        if (size > 1)
        {
            EmitPageOffset();
            Const(Memory.PhysicalMemory.PageMask + 1 - (uint)size);
            _il.Emit(OpCodes.Bgt_Un, slow);
        }
        EmitTlbEntry();
        _il.Emit(OpCodes.Ldloc, _tEntry);
        _il.Emit(OpCodes.Ldfld, CpuState.TlbTag);
        _il.Emit(OpCodes.Ldloc, _tLa);
        Const64(~(long)Memory.PhysicalMemory.PageMask);
        _il.Emit(OpCodes.And);
        Const64(1);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Bne_Un, slow);
        EmitHostPointer(pointer, slow);
    }

    /// <summary>PUSH of the pushed quadword: the store first (it may fault), RSP after it.</summary>
    private void EmitPushQ()
    {
        _il.Emit(OpCodes.Stloc, _qWVal);
        LoadRegister64(Gpr.ESP);
        Const64(8);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitWrite(Seg.SS, 8);
        _il.Emit(OpCodes.Ldloc, _tEa);
        StoreRegister64(Gpr.ESP);
    }
}
