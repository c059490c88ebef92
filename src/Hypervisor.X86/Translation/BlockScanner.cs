using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Translation;

/// <summary>The instructions of a block before compilation: copies of decode-cache entries, sorted by EIP.</summary>
internal sealed class ScannedBlock
{
    public required DecodedInstruction[] Instructions { get; init; }
    public required int EntryIndex { get; init; }
    public required ulong PhysicalPage { get; init; }
    public required ulong ChunkMask { get; init; }

    /// <summary>The index of the instruction at <paramref name="eip"/>, or -1 when it is outside the block.</summary>
    public int IndexOf(ulong eip)
    {
        int lo = 0, hi = Instructions.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            ulong e = Instructions[mid].Rip;
            if (e == eip)
                return mid;
            if (e < eip)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return -1;
    }
}

/// <summary>
/// Chooses a block's instructions: from the entry, along fall-through and direct branch targets inside
/// the same page, every instruction the interpreter has already decoded and <see cref="BlockCompiler"/>
/// can translate. Loops inside the page become loops inside the block; everything else leaves it.
/// </summary>
internal static class BlockScanner
{
    /// <summary>Bounds the method the JIT compiles (its time grows faster than the block).</summary>
    private static readonly int MaxInstructions =
        int.TryParse(Environment.GetEnvironmentVariable("MINIVMM_TRANSLATE_MAX"), out int max) && max > 0 ? max : 48;
    private const ulong AddressMask = (1UL << 40) - 1;

    public static ScannedBlock? Scan(Cpu.Cpu cpu, ref DecodedInstruction entry)
    {
        if (!BlockCompiler.CanTranslate(ref entry, cpu.Stack32))
            return null;
        var cache = cpu.DecodeCache;
        ulong modeBits = entry.Tag & InstructionCache.ModeBits;
        ulong physical = entry.Tag & AddressMask;
        ulong pageBase = physical & ~(ulong)Memory.PhysicalMemory.PageMask;
        // 64-bit code: CS has base 0 and RIP is a 64-bit linear address; else EIP wraps at 4 GiB past CS's base.
        bool code64 = (modeBits & InstructionCache.Code64Bit) != 0;
        uint csBase = code64 ? 0 : cpu.CodeSegmentBase;
        ulong Linear(ulong eip) => code64 ? eip : (uint)(csBase + (uint)eip);
        ulong linearPage = Linear(entry.Rip) & ~(ulong)Memory.PhysicalMemory.PageMask;

        var found = new Dictionary<ulong, DecodedInstruction>();
        var work = new Stack<ulong>();
        work.Push(entry.Rip);
        while (work.Count > 0 && found.Count < MaxInstructions)
        {
            ulong eip = work.Pop();
            if (found.ContainsKey(eip))
                continue;
            ulong la = Linear(eip);
            if ((la & ~(ulong)Memory.PhysicalMemory.PageMask) != linearPage)
                continue;
            ulong phys = pageBase | (la & Memory.PhysicalMemory.PageMask);
            ref var d = ref cache.Slot(phys);
            if (d.Tag != (phys | modeBits) || d.Rip != eip || !BlockCompiler.CanTranslate(ref d, cpu.Stack32))
                continue;
            found.Add(eip, d);
            switch (d.Fast)
            {
                case FastForm.Ret or FastForm.RetQ:
                    break;
                case FastForm.JmpRel or FastForm.CallRel or FastForm.JmpRelQ or FastForm.CallRelQ:
                    work.Push(d.Target);
                    break;
                case FastForm.Jcc:
                    work.Push(d.NextRip);
                    work.Push(d.Target);
                    break;
                default:
                    work.Push(d.NextRip);
                    break;
            }
        }

        var instructions = found.Values.OrderBy(d => d.Rip).ToArray();
        ulong chunks = 0;
        foreach (var d in instructions)
        {
            ulong start = d.Tag & Memory.PhysicalMemory.PageMask;
            for (ulong b = start >> Memory.PhysicalMemory.ChunkShift; b <= (start + d.Length - 1) >> Memory.PhysicalMemory.ChunkShift; b++)
                chunks |= 1UL << (int)b;
        }
        var block = new ScannedBlock { Instructions = instructions, EntryIndex = 0, PhysicalPage = pageBase, ChunkMask = chunks };
        return new ScannedBlock
        {
            Instructions = instructions,
            EntryIndex = block.IndexOf(entry.Rip),
            PhysicalPage = pageBase,
            ChunkMask = chunks,
        };
    }
}
