using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// CMPXCHG16B m128 (REX.W CMPXCHG8B, 64-bit mode; CPUID.1:ECX.CX16): compares RDX:RAX with the
/// 16-byte-aligned m128 (#GP(0) otherwise); equal stores RCX:RBX and sets ZF, else loads m128 into
/// RDX:RAX and clears ZF. Only ZF changes.
/// <para>
/// Atomicity with LOCK on a VM with several vCPUs: .NET has no 128-bit compare-and-exchange on every
/// host, so every locked CMPXCHG16B of the process takes one global lock (<see cref="Cas16Lock"/>):
/// two of them never interleave. Against the other vCPUs' plain stores and 8-byte locked operations
/// the store is two host 64-bit compare-and-exchanges, low then high quadword, each against the value
/// compared; if the high one loses to another vCPU, the low one is put back and the instruction runs
/// again, so no other vCPU's store is ever lost. What is weaker than hardware: a vCPU reading the two
/// halves with plain loads during that window can see the new low half with the old high half. The
/// guests' users (Linux's SLUB freelist and per-CPU cmpxchg_double) only pair it with CMPXCHG16B.
/// </para>
/// </summary>
internal sealed unsafe partial class Cpu
{
    private static readonly Lock Cas16Lock = new();

    private void Cmpxchg16b(ref DecodedInstruction d)
    {
        if (d.I.Op0Kind != OpKind.Memory)
            throw UD();
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        ulong la = Linear(seg, ea, 16, write: true);
        if ((la & 15) != 0)
            throw GP();
        ulong expectedLo = R64(Gpr.EAX), expectedHi = R64(Gpr.EDX);
        if (_inAtomic && AtomicHost(la, 16) is var host && host != null)
        {
            LockedCompareExchange16(host, expectedLo, expectedHi);
            return;
        }
        ulong lo = ReadLinear(la, 8);
        ulong hi = ReadLinear(la + 8, 8);
        ProbeWrite(la, 16);
        bool equal = lo == expectedLo && hi == expectedHi;
        // The locked write happens either way: the old value is written back on a mismatch.
        WriteLinear(la, 8, equal ? R64(Gpr.EBX) : lo);
        WriteLinear(la + 8, 8, equal ? R64(Gpr.ECX) : hi);
        CompleteCmpxchg16b(equal, lo, hi);
    }

    /// <summary>LOCK CMPXCHG16B on shared RAM: the scheme in the class summary (retries through <see cref="AtomicRetry"/>).</summary>
    private void LockedCompareExchange16(byte* host, ulong expectedLo, ulong expectedHi)
    {
        ref ulong lowHalf = ref *(ulong*)host;
        ref ulong highHalf = ref *(ulong*)(host + 8);
        lock (Cas16Lock)
        {
            ulong lo, hi;
            do
            {
                lo = Volatile.Read(ref lowHalf);
                hi = Volatile.Read(ref highHalf);
            }
            while (Volatile.Read(ref lowHalf) != lo); // a consistent pair, not a torn one
            bool equal = lo == expectedLo && hi == expectedHi;
            if (equal)
            {
                ulong newLo = R64(Gpr.EBX), newHi = R64(Gpr.ECX);
                if (Interlocked.CompareExchange(ref lowHalf, newLo, lo) != lo)
                    throw _atomicRetry;
                if (Interlocked.CompareExchange(ref highHalf, newHi, hi) != hi)
                {
                    Interlocked.CompareExchange(ref lowHalf, lo, newLo);
                    throw _atomicRetry;
                }
            }
            CompleteCmpxchg16b(equal, lo, hi);
        }
    }

    private void CompleteCmpxchg16b(bool equal, ulong lo, ulong hi)
    {
        if (equal)
        {
            Flags |= Eflags.ZF;
            return;
        }
        R64(Gpr.EAX) = lo;
        R64(Gpr.EDX) = hi;
        Flags &= ~Eflags.ZF;
    }
}
