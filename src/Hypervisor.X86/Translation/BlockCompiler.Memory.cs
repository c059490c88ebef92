using System.Reflection.Emit;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Memory operands: the effective address from register locals, then the TLB inline — one tag
/// compare and a host pointer on a hit, as the interpreter's ReadLinear/WriteLinear do. Anything else
/// (a miss, a page-crossing access, MMIO, a page holding code, a segment wrap) spills and calls the
/// interpreter's ReadMem/WriteMem, which walk, fault, record MMIO and drop overwritten code.
/// </summary>
internal sealed partial class BlockCompiler
{
    /// <summary>
    /// Pushes the effective address of the memory operand: 64 bits in 64-bit code (RIP-relative operands
    /// carry their absolute address as the displacement), else 32 bits, cut to 16 for 16-bit addressing.
    /// </summary>
    private void EmitEffectiveAddress(ref DecodedInstruction d)
    {
        if (_code64)
            Const64((long)d.MemDisplacement);
        else
            Const((uint)d.MemDisplacement);
        if (d.MemBase >= 0)
        {
            LoadAddressRegister(d.MemBase);
            _il.Emit(OpCodes.Add);
        }
        if (d.MemIndex >= 0)
        {
            LoadAddressRegister(d.MemIndex);
            if (d.MemScaleShift != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, (int)d.MemScaleShift);
                _il.Emit(OpCodes.Shl);
            }
            _il.Emit(OpCodes.Add);
        }
        if (d.AddrSize == 2)
        {
            _il.Emit(OpCodes.Ldc_I4, 0xFFFF);
            _il.Emit(OpCodes.And);
        }
    }

    /// <summary>A base or index register at the code's address width.</summary>
    private void LoadAddressRegister(int reg)
    {
        if (_code64)
            LoadRegister64(reg);
        else
            LoadRegister(reg);
    }

    /// <summary>Pushes the value of the memory operand (<paramref name="size"/> bytes, zero-extended).</summary>
    private void EmitReadMemory(ref DecodedInstruction d, int size)
    {
        EmitEffectiveAddress(ref d);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitRead(d.MemSegment, size);
    }

    /// <summary>Pushes the <paramref name="size"/>-byte value at <paramref name="seg"/>:<see cref="_tEa"/>.</summary>
    private void EmitRead(int seg, int size)
    {
        _flatSegments |= 1 << seg;
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitTlbLookup(seg, size, CpuState.TlbRead, slow);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        EmitPageOffset();
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(size switch { 1 => OpCodes.Ldind_U1, 2 => OpCodes.Ldind_U2, 4 => OpCodes.Ldind_U4, _ => OpCodes.Ldind_I8 });
        _il.Emit(OpCodes.Stloc, size == 8 ? _qVal : _tVal);
        _il.Emit(OpCodes.Br, done);

        _il.MarkLabel(slow);
        EmitSlowCall(size switch { 1 => SlowCall.Read8, 2 => SlowCall.Read16, 4 => SlowCall.Read32, _ => SlowCall.Read64 }, seg);
        _il.MarkLabel(done);
        _il.Emit(OpCodes.Ldloc, size == 8 ? _qVal : _tVal);
    }

    /// <summary>Stores <see cref="_tWVal"/> to the memory operand.</summary>
    private void EmitWriteMemory(ref DecodedInstruction d, int size)
    {
        EmitEffectiveAddress(ref d);
        _il.Emit(OpCodes.Stloc, _tEa);
        EmitWrite(d.MemSegment, size);
    }

    /// <summary>Stores the low <paramref name="size"/> bytes of <see cref="_tWVal"/> at <paramref name="seg"/>:<see cref="_tEa"/>.</summary>
    private void EmitWrite(int seg, int size)
    {
        _flatSegments |= 0x100 << seg;
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitTlbLookup(seg, size, CpuState.TlbWrite, slow);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        EmitPageOffset();
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Ldloc, size == 8 ? _qWVal : _tWVal);
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(size switch { 1 => OpCodes.Stind_I1, 2 => OpCodes.Stind_I2, 4 => OpCodes.Stind_I4, _ => OpCodes.Stind_I8 });
        _il.Emit(OpCodes.Br, done);

        _il.MarkLabel(slow);
        EmitSlowCall(size switch { 1 => SlowCall.Write8, 2 => SlowCall.Write16, 4 => SlowCall.Write32, _ => SlowCall.Write64 }, seg);
        _il.MarkLabel(done);
    }

    /// <summary>
    /// m32 = m32 op <see cref="_tWVal"/>: leaves the old value in <see cref="_tVal"/>, the result stored.
    /// Both accesses go through the write pointer, as the interpreter checks writability first.
    /// </summary>
    private void EmitReadModifyWrite(ref DecodedInstruction d, RmwOp op)
    {
        EmitEffectiveAddress(ref d);
        _il.Emit(OpCodes.Stloc, _tEa);
        int seg = d.MemSegment;
        _flatSegments |= (1 << seg) | (0x100 << seg);
        var slow = _il.DefineLabel();
        var done = _il.DefineLabel();
        EmitTlbLookup(seg, 4, CpuState.TlbWrite, slow);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        EmitPageOffset();
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _tPtr);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(OpCodes.Ldind_U4);
        _il.Emit(OpCodes.Stloc, _tVal);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        _il.Emit(OpCodes.Ldloc, _tVal);
        _il.Emit(OpCodes.Ldloc, _tWVal);
        _il.Emit(op switch { RmwOp.Add => OpCodes.Add, RmwOp.Sub => OpCodes.Sub, RmwOp.And => OpCodes.And, RmwOp.Or => OpCodes.Or, _ => OpCodes.Xor });
        _il.Emit(OpCodes.Unaligned, (byte)1);
        _il.Emit(OpCodes.Stind_I4);
        _il.Emit(OpCodes.Br, done);

        _il.MarkLabel(slow);
        EmitSlowCall(SlowCall.ReadModifyWrite, seg | ((int)op << 4));
        _il.MarkLabel(done);
    }

    /// <summary>
    /// <see cref="_tLa"/> = segment base + <see cref="_tEa"/>; on a TLB hit with a host pointer (of the
    /// given kind) for an access inside the page, <see cref="_tPtr"/> = the page's host address; else
    /// branches to <paramref name="slow"/>.
    /// </summary>
    private void EmitTlbLookup(int seg, int size, System.Reflection.FieldInfo pointer, Label slow)
    {
        if (_code64)
        {
            EmitTlbLookup64(seg, size, pointer, slow);
            return;
        }
        _il.Emit(OpCodes.Ldloc, _segBase[seg]!);
        _il.Emit(OpCodes.Ldloc, _tEa);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _tLa);
        if (_segmentChecks)
        {
            // A flat segment still faults when the access wraps past 4 GiB.
            _il.Emit(OpCodes.Ldloc, _tEa);
            Const(unchecked((uint)-size));
            _il.Emit(OpCodes.Bgt_Un, slow);
        }
        if (size > 1)
        {
            EmitPageOffset();
            Const(Memory.PhysicalMemory.PageMask + 1 - (uint)size);
            _il.Emit(OpCodes.Bgt_Un, slow);
        }
        EmitTlbEntry();
        // entry.Tag == (la & ~0xFFF) | 1
        _il.Emit(OpCodes.Ldloc, _tEntry);
        _il.Emit(OpCodes.Ldfld, CpuState.TlbTag);
        _il.Emit(OpCodes.Ldloc, _tLa);
        Const(~Memory.PhysicalMemory.PageMask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Conv_U8); // the tag is 64-bit (long mode's linear addresses)
        _il.Emit(OpCodes.Bne_Un, slow);
        EmitHostPointer(pointer, slow);
    }

    /// <summary><see cref="_tEntry"/> = ref tlb[(la >> 12) &amp; 255].</summary>
    private void EmitTlbEntry()
    {
        _il.Emit(OpCodes.Ldloc, _tlb0);
        _il.Emit(OpCodes.Ldloc, _tLa);
        _il.Emit(OpCodes.Ldc_I4_S, (sbyte)12);
        _il.Emit(OpCodes.Shr_Un);
        if (_code64)
            _il.Emit(OpCodes.Conv_U4);
        _il.Emit(OpCodes.Ldc_I4, Cpu.Cpu.TlbEntries - 1);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Sizeof, typeof(Memory.TlbEntry));
        _il.Emit(OpCodes.Mul);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Stloc, _tEntry);
    }

    /// <summary><see cref="_tPtr"/> = the entry's host pointer of the given kind; null goes to <paramref name="slow"/>.</summary>
    private void EmitHostPointer(System.Reflection.FieldInfo pointer, Label slow)
    {
        _il.Emit(OpCodes.Ldloc, _tEntry);
        _il.Emit(OpCodes.Ldfld, pointer);
        _il.Emit(OpCodes.Stloc, _tPtr);
        _il.Emit(OpCodes.Ldloc, _tPtr);
        _il.Emit(OpCodes.Brfalse, slow);
    }

    /// <summary>Pushes (native) la &amp; 0xFFF.</summary>
    private void EmitPageOffset()
    {
        _il.Emit(OpCodes.Ldloc, _tLa);
        if (_code64)
            _il.Emit(OpCodes.Conv_U4);
        Const(Memory.PhysicalMemory.PageMask);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Conv_U);
    }
}
