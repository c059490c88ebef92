using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Stack instructions: PUSH, POP, PUSHA/PUSHAD, POPA/POPAD, PUSHF/POPF with the IOPL rules, ENTER, LEAVE.</summary>
internal sealed partial class Cpu
{
    /// <summary>The stack pointer at the stack's width: RSP in 64-bit mode, else ESP or SP (SS.B).</summary>
    private ulong StackPointer => R64(Gpr.ESP) & StackMask;

    private void SetStackPointer(ulong sp)
    {
        if (Code64)
            R64(Gpr.ESP) = sp;
        else if (Stack32)
            R(Gpr.ESP) = (uint)sp;
        else
            R(Gpr.ESP) = (R(Gpr.ESP) & 0xFFFF0000) | ((uint)sp & 0xFFFF);
    }

    private ulong StackMask => Code64 ? ulong.MaxValue : Stack32 ? 0xFFFFFFFF : 0xFFFF;

    public void PushValue(ulong value, int size)
    {
        ulong sp = (StackPointer - (uint)size) & StackMask;
        WriteMem(Seg.SS, sp, size, value);
        SetStackPointer(sp);
    }

    public ulong PopValue(int size)
    {
        ulong sp = StackPointer;
        ulong v = ReadMem(Seg.SS, sp, size);
        SetStackPointer(sp + (uint)size);
        return v;
    }

    /// <summary>Reads the stack <paramref name="offset"/> bytes above the top without popping.</summary>
    private ulong PeekStack(uint offset, int size) => ReadMem(Seg.SS, (StackPointer + offset) & StackMask, size);

    /// <summary><see cref="PeekStack"/> for the 16/32-bit frames of protected-mode transfers.</summary>
    private uint PeekStack32(uint offset, int size) => (uint)PeekStack(offset, size);

    private void Push(ref DecodedInstruction d)
    {
        int size = d.OpSize;
        ulong v;
        if (d.I.Op0Kind == OpKind.Register)
        {
            var r = d.I.Op0Register;
            v = ReadReg(r);
            if (!IsSegmentRegister(r))
                size = RegSize(r);
        }
        else if (d.I.Op0Kind == OpKind.Memory)
        {
            size = d.DataSize;
            v = ReadOp(ref d, 0, size);
        }
        else
        {
            v = d.I.GetImmediate(0) & SizeMask(size);
        }
        PushValue(v, size);
    }

    private void Pop(ref DecodedInstruction d)
    {
        if (d.I.Op0Kind == OpKind.Register)
        {
            var r = d.I.Op0Register;
            if (IsSegmentRegister(r))
            {
                // The read and the ESP update use the stack as it was: POP SS may change SS.B.
                uint sel = (uint)PeekStack(0, d.OpSize);
                uint esp = Stack32 ? R(Gpr.ESP) + (uint)d.OpSize
                    : (R(Gpr.ESP) & 0xFFFF0000) | ((R(Gpr.ESP) + (uint)d.OpSize) & 0xFFFF);
                LoadSegment(r - Register.ES, (ushort)sel);
                R(Gpr.ESP) = esp;
                if (r == Register.SS)
                    _interruptShadow = true;
                return;
            }
            int size = RegSize(r);
            WriteReg(r, PopValue(size));
            return;
        }
        // POP r/m: ESP is incremented before the destination address is computed (SDM).
        int msize = d.DataSize;
        ulong v = PopValue(msize);
        WriteOp(ref d, 0, msize, v);
    }

    private void Pusha(int size)
    {
        uint sp = R(Gpr.ESP);
        for (int r = Gpr.EAX; r <= Gpr.EDI; r++)
            PushValue(r == Gpr.ESP ? sp : R(r), size);
    }

    private void Popa(int size)
    {
        Span<ulong> v = stackalloc ulong[8];
        for (int i = 0; i < 8; i++)
            v[7 - i] = PeekStack((uint)(i * size), size);
        for (int r = Gpr.EAX; r <= Gpr.EDI; r++)
        {
            if (r != Gpr.ESP)
                WriteReg(size == 2 ? Register.AX + r : Register.EAX + r, v[r]);
        }
        SetStackPointer(StackPointer + (uint)(8 * size));
    }

    private void Pushf(int size)
    {
        if (V86Mode && Iopl < 3)
            throw GP();
        PushValue(Flags & ~(Eflags.VM | Eflags.RF) & SizeMask(size), size);
    }

    private void Popf(int size)
    {
        if (V86Mode && Iopl < 3)
            throw GP();
        uint v = (uint)PopValue(size);
        WriteFlags(v, size == 2 ? 0xFFFFu : 0xFFFFFFFFu);
    }

    /// <summary>Loads EFLAGS from POPF/IRET-like sources with the privilege rules (SDM POPF).</summary>
    private void WriteFlags(uint value, uint sizeMask)
    {
        uint changeable = Eflags.Writable & ~Eflags.RF;
        if (ProtectedMode || V86Mode)
        {
            if (V86Mode || Cpl > 0)
                changeable &= ~Eflags.IoplMask;
            if (!V86Mode && Cpl > Iopl)
                changeable &= ~Eflags.IF;
        }
        changeable &= sizeMask;
        uint old = Flags;
        Flags = (Flags & ~changeable) | (value & changeable) | Eflags.Reserved1;
        if ((old ^ Flags) != 0)
            FlagsChanged(old);
    }

    /// <summary>
    /// ENTER (SDM, and as QEMU and hardware do it): FrameTemp is ESP minus the operand size at full
    /// width, so an o32 ENTER on a 16-bit stack keeps ESP's high word in EBP; stack addresses are
    /// masked to the stack size, and only SP changes on a 16-bit stack.
    /// </summary>
    private void Enter(ref DecodedInstruction d)
    {
        int size = d.OpSize;
        uint alloc = d.I.Immediate16;
        int level = d.I.Immediate8_2nd & 31;
        ulong mask = StackMask;
        // FrameTemp and the EBP walk are computed at the register's width: RSP/RBP in 64-bit mode, else ESP/EBP.
        ulong width = Code64 ? ulong.MaxValue : uint.MaxValue;
        ulong bp = R64(Gpr.EBP) & width;
        ulong frameTemp = (R64(Gpr.ESP) - (uint)size) & width;
        WriteMem(Seg.SS, frameTemp & mask, size, bp);
        for (int i = 1; i < level; i++)
        {
            ulong v = ReadMem(Seg.SS, (bp - (uint)(i * size)) & mask, size);
            WriteMem(Seg.SS, (frameTemp - (uint)(i * size)) & mask, size, v);
        }
        if (level > 0)
            WriteMem(Seg.SS, (frameTemp - (uint)(level * size)) & mask, size, frameTemp);
        ulong newSp = (frameTemp - (uint)(level * size) - alloc) & mask;
        ProbeWrite(Linear(Seg.SS, newSp, 1, write: true), 1);
        if (size == 2)
            R(Gpr.EBP) = (R(Gpr.EBP) & 0xFFFF0000) | ((uint)frameTemp & 0xFFFF);
        else if (size == 4)
            R(Gpr.EBP) = (uint)frameTemp;
        else
            R64(Gpr.EBP) = frameTemp;
        SetStackPointer(newSp);
    }

    private void Leave(int size)
    {
        ulong bp = Code64 ? R64(Gpr.EBP) : Stack32 ? R(Gpr.EBP) : R(Gpr.EBP) & 0xFFFF;
        ulong v = ReadMem(Seg.SS, bp, size);
        SetStackPointer(bp + (uint)size);
        WriteReg(size switch { 2 => Register.BP, 4 => Register.EBP, _ => Register.RBP }, v);
    }
}
