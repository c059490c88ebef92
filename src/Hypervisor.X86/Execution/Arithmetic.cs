using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Binary arithmetic: ADD, ADC, SUB, SBB, CMP, INC, DEC, NEG, XADD, CMPXCHG, CMPXCHG8B.</summary>
internal sealed partial class Cpu
{
    private void Add(ref DecodedInstruction d, int size, bool carry)
    {
        ulong src = ReadOp(ref d, 1, size);
        ulong dst = ReadDest(ref d, size);
        uint saved = Flags;
        ulong r = AddWithFlags(dst, src, carry ? saved & Eflags.CF : 0, size);
        uint flags = Flags;
        Flags = saved; // a faulting store must leave the flags alone
        WriteDest(ref d, size, r);
        Flags = flags;
    }

    /// <summary>SUB, SBB and (without the store) CMP.</summary>
    private void Sub(ref DecodedInstruction d, int size, bool borrow, bool store)
    {
        ulong src = ReadOp(ref d, 1, size);
        uint saved = Flags;
        if (store)
        {
            ulong dst = ReadDest(ref d, size);
            ulong r = SubWithFlags(dst, src, borrow ? saved & Eflags.CF : 0, size);
            uint flags = Flags;
            Flags = saved; // a faulting store must leave the flags alone
            WriteDest(ref d, size, r);
            Flags = flags;
        }
        else
        {
            SubWithFlags(ReadOp(ref d, 0, size), src, 0, size);
        }
    }

    private void IncDec(ref DecodedInstruction d, int size, bool increment)
    {
        ulong dst = ReadDest(ref d, size);
        uint saved = Flags;
        ulong r = IncDecWithFlags(dst, increment, size);
        uint flags = Flags;
        Flags = saved;
        WriteDest(ref d, size, r);
        Flags = flags;
    }

    private void Neg(ref DecodedInstruction d, int size)
    {
        ulong dst = ReadDest(ref d, size);
        uint saved = Flags;
        ulong r = SubWithFlags(0, dst, 0, size);
        uint flags = Flags;
        Flags = saved;
        WriteDest(ref d, size, r);
        Flags = flags;
    }

    /// <summary>XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP.</summary>
    private void Xadd(ref DecodedInstruction d, int size)
    {
        ulong src = ReadReg(d.I.Op1Register);
        ulong dst = ReadDest(ref d, size);
        uint saved = Flags;
        ulong sum = AddWithFlags(dst, src, 0, size);
        uint flags = Flags;
        Flags = saved;
        WriteDest(ref d, size, sum);
        WriteReg(d.I.Op1Register, dst);
        Flags = flags;
    }

    /// <summary>CMPXCHG: compares the accumulator with DEST; equal stores SRC, else loads DEST (DEST is written either way).</summary>
    private void Cmpxchg(ref DecodedInstruction d, int size)
    {
        ulong src = ReadReg(d.I.Op1Register);
        ulong dst = ReadDest(ref d, size);
        ulong acc = R64(Gpr.EAX) & SizeMask(size);
        uint saved = Flags;
        SubWithFlags(acc, dst, 0, size);
        uint flags = Flags;
        Flags = saved;
        if (acc == dst)
        {
            WriteDest(ref d, size, src);
        }
        else
        {
            WriteDest(ref d, size, dst);
            WriteAccumulator(size, dst);
        }
        Flags = flags;
    }

    /// <summary>CMPXCHG8B m64: compares EDX:EAX with m64; equal stores ECX:EBX, else loads m64 into EDX:EAX.</summary>
    private void Cmpxchg8b(ref DecodedInstruction d)
    {
        if (d.I.Op0Kind != OpKind.Memory)
            throw UD();
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        ulong expected = ((ulong)R(Gpr.EDX) << 32) | R(Gpr.EAX);
        if (_inAtomic && TryCompareExchange64(Linear(seg, ea, 8, write: true), expected, ((ulong)R(Gpr.ECX) << 32) | R(Gpr.EBX), out ulong old))
        {
            // LOCK CMPXCHG8B on a VM with several vCPUs: one host 64-bit compare-and-exchange.
            if (old == expected)
                Flags |= Eflags.ZF;
            else
            {
                SetRegister32(Gpr.EAX, (uint)old);
                SetRegister32(Gpr.EDX, (uint)(old >> 32));
                Flags &= ~Eflags.ZF;
            }
            return;
        }
        uint lo = ReadMem32(seg, ea);
        uint hi = ReadMem32(seg, ea + 4);
        ProbeWrite(Linear(seg, ea, 8, write: true), 8);
        if (lo == R(Gpr.EAX) && hi == R(Gpr.EDX))
        {
            WriteMem32(seg, ea, R(Gpr.EBX));
            WriteMem32(seg, ea + 4, R(Gpr.ECX));
            Flags |= Eflags.ZF;
        }
        else
        {
            WriteMem32(seg, ea, lo);
            WriteMem32(seg, ea + 4, hi);
            SetRegister32(Gpr.EAX, lo);
            SetRegister32(Gpr.EDX, hi);
            Flags &= ~Eflags.ZF;
        }
    }
}
