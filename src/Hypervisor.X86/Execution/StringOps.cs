using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// MOVS, CMPS, STOS, LODS, SCAS with REP/REPE/REPNE (SDM Vol. 2, "REP/REPE/REPZ/REPNE/REPNZ").
/// The source segment may be overridden; the destination is always ES. A repeated instruction runs
/// a bounded number of iterations per step and then re-executes, so interrupts, exits and faults
/// see consistent (E)SI/(E)DI/(E)CX between iterations. InstructionsRetired counts every iteration.
/// </summary>
internal sealed partial class Cpu
{
    private const int IterationsPerStep = 4096;

    private enum StringKind { Movs, Cmps, Stos, Lods, Scas }

    /// <summary>SI, ESI or RSI (DI, ...) at the address size.</summary>
    private ulong IndexRegister(int reg, int addrSize) => addrSize switch { 2 => R(reg) & 0xFFFF, 4 => R(reg), _ => R64(reg) };

    /// <summary>Steps (E/R)SI or (E/R)DI by one element, backwards when EFLAGS.DF is set.</summary>
    private void AdvanceIndex(int reg, int addrSize, int size) =>
        AddToIndex(reg, addrSize, (_flags & Eflags.DF) != 0 ? (ulong)-size : (ulong)size);

    /// <summary>Adds to an index register at the address size; a 16-bit index wraps within its low word, a 32-bit one zero-extends in 64-bit mode.</summary>
    private void AddToIndex(int reg, int addrSize, ulong delta)
    {
        if (addrSize == 2)
            R(reg) = (R(reg) & 0xFFFF0000) | ((R(reg) + (uint)delta) & 0xFFFF);
        else if (addrSize == 4)
            SetRegister32(reg, R(reg) + (uint)delta);
        else
            R64(reg) += delta;
    }

    /// <summary>A 32-bit register write: zero-extends in 64-bit mode (outside it the upper half is not observable).</summary>
    private void SetRegister32(int reg, uint value)
    {
        if (Code64)
            R64(reg) = value;
        else
            R(reg) = value;
    }

    private ulong CountRegister(int addrSize) => IndexRegister(Gpr.ECX, addrSize);

    /// <summary>Sets CX, ECX or RCX at the address size.</summary>
    private void SetCount(int addrSize, ulong value)
    {
        if (addrSize == 2)
            R(Gpr.ECX) = (R(Gpr.ECX) & 0xFFFF0000) | ((uint)value & 0xFFFF);
        else if (addrSize == 4)
            SetRegister32(Gpr.ECX, (uint)value);
        else
            R64(Gpr.ECX) = value;
    }

    /// <summary>Decrements (E/R)CX and returns the new count.</summary>
    private ulong DecrementCount(int addrSize)
    {
        ulong c = (CountRegister(addrSize) - 1) & SizeMask(addrSize);
        SetCount(addrSize, c);
        return c;
    }

    private void StringOp(ref DecodedInstruction d, StringKind kind, int size)
    {
        int a = d.AddrSize;
        bool rep = d.I.HasRepPrefix || d.I.HasRepePrefix || d.I.HasRepnePrefix;
        if (!rep)
        {
            StringIteration(ref d, kind, size, a);
            return;
        }
        // REPE/REPNE only test ZF for CMPS and SCAS; for the others F2 and F3 both mean REP.
        bool testsZf = kind is StringKind.Cmps or StringKind.Scas;
        bool repeWhileEqual = !d.I.HasRepnePrefix;
        bool bulk = FastPathEnabled && kind is StringKind.Movs or StringKind.Stos;
        for (int n = 0; n < IterationsPerStep; n++)
        {
            if (CountRegister(a) == 0)
                return;
            if (bulk)
            {
                // As many iterations as stay in plain RAM at once (StringBulk.cs), never past the limit.
                uint room = InstructionLimit > Retired ? (uint)Math.Min(InstructionLimit - Retired, (ulong)(IterationsPerStep - n)) : 1;
                int k = BulkStringIterations(ref d, kind, size, a, room);
                if (k > 0)
                {
                    if (CountRegister(a) == 0)
                    {
                        Retired += (ulong)k - 1; // the last iteration retires as the instruction
                        return;
                    }
                    Retired += (ulong)k;
                    if (Retired >= InstructionLimit)
                        break;
                    n += k - 1;
                    continue;
                }
            }
            StringIteration(ref d, kind, size, a);
            ulong left = DecrementCount(a);
            if (_mmioCount != 0)
                MmioAccessesDone();
            if (left == 0)
                return;
            if (testsZf && ((Flags & Eflags.ZF) != 0) != repeWhileEqual)
                return;
            if (_exitPending)
                break;
            // Each iteration counts as a retired instruction, so the limit also bounds long REPs.
            if (++Retired >= InstructionLimit)
                break;
        }
        Rip = _instrRip; // more to do: re-execute the instruction
    }

    private void StringIteration(ref DecodedInstruction d, StringKind kind, int size, int a)
    {
        switch (kind)
        {
            case StringKind.Movs:
            {
                ulong v = ReadMem(MemorySeg(ref d), IndexRegister(Gpr.ESI, a), size);
                WriteMem(Seg.ES, IndexRegister(Gpr.EDI, a), size, v);
                AdvanceIndex(Gpr.ESI, a, size);
                AdvanceIndex(Gpr.EDI, a, size);
                break;
            }
            case StringKind.Cmps:
            {
                ulong src = ReadMem(MemorySeg(ref d), IndexRegister(Gpr.ESI, a), size);
                ulong dst = ReadMem(Seg.ES, IndexRegister(Gpr.EDI, a), size);
                SubWithFlags(src, dst, 0, size);
                AdvanceIndex(Gpr.ESI, a, size);
                AdvanceIndex(Gpr.EDI, a, size);
                break;
            }
            case StringKind.Stos:
                WriteMem(Seg.ES, IndexRegister(Gpr.EDI, a), size, R64(Gpr.EAX) & SizeMask(size));
                AdvanceIndex(Gpr.EDI, a, size);
                break;
            case StringKind.Lods:
            {
                ulong v = ReadMem(MemorySeg(ref d), IndexRegister(Gpr.ESI, a), size);
                WriteAccumulator(size, v);
                AdvanceIndex(Gpr.ESI, a, size);
                break;
            }
            case StringKind.Scas:
            {
                ulong dst = ReadMem(Seg.ES, IndexRegister(Gpr.EDI, a), size);
                SubWithFlags(R64(Gpr.EAX) & SizeMask(size), dst, 0, size);
                AdvanceIndex(Gpr.EDI, a, size);
                break;
            }
        }
    }

    private void WriteAccumulator(int size, ulong v)
    {
        ref ulong rax = ref R64(Gpr.EAX);
        rax = size switch
        {
            1 => (rax & ~0xFFUL) | (v & 0xFF),
            2 => (rax & ~0xFFFFUL) | (v & 0xFFFF),
            4 => (uint)v, // zero-extends, as every 32-bit register write
            _ => v,
        };
    }
}
