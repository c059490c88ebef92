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

    private uint IndexRegister(int reg, int addrSize) => addrSize == 2 ? R(reg) & 0xFFFF : R(reg);

    /// <summary>Steps (E)SI or (E)DI by one element, backwards when EFLAGS.DF is set.</summary>
    private void AdvanceIndex(int reg, int addrSize, int size) =>
        AddToIndex(reg, addrSize, (_flags & Eflags.DF) != 0 ? (uint)-size : (uint)size);

    /// <summary>Adds to (E)SI or (E)DI; a 16-bit index wraps within its low word.</summary>
    private void AddToIndex(int reg, int addrSize, uint delta)
    {
        if (addrSize == 2)
            R(reg) = (R(reg) & 0xFFFF0000) | ((R(reg) + delta) & 0xFFFF);
        else
            R(reg) += delta;
    }

    private uint CountRegister(int addrSize) => addrSize == 2 ? R(Gpr.ECX) & 0xFFFF : R(Gpr.ECX);

    /// <summary>Sets CX (16-bit addressing) or ECX.</summary>
    private void SetCount(int addrSize, uint value)
    {
        if (addrSize == 2)
            R(Gpr.ECX) = (R(Gpr.ECX) & 0xFFFF0000) | (value & 0xFFFF);
        else
            R(Gpr.ECX) = value;
    }

    /// <summary>Decrements (E)CX and returns the new count.</summary>
    private uint DecrementCount(int addrSize)
    {
        uint c = (CountRegister(addrSize) - 1) & (addrSize == 2 ? 0xFFFFu : 0xFFFFFFFFu);
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
            uint left = DecrementCount(a);
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
