namespace Hypervisor.X86.Translation;

/// <summary>
/// Compiled guest code: runs from the block's entry until it leaves the block, then returns.
/// <paramref name="code"/> is the block's own decoded instructions, for those it hands to the interpreter;
/// a null <paramref name="code"/> returns at once (the background compiler calls it so to have it jitted).
/// </summary>
internal delegate void BlockCode(Cpu.Cpu cpu, Decoding.DecodedInstruction[] code);

/// <summary>
/// Guest instructions of one physical page translated into one .NET method (IL compiled by RyuJIT).
/// The block is entered only while the state it was compiled for still holds (<see cref="Assumptions"/>),
/// and dropped when a store or DMA touches the 64-byte chunks its code came from. Until its code is
/// ready (<see cref="Code"/> null: the background compiler has it) the interpreter runs its instructions.
/// </summary>
internal sealed class TranslatedBlock
{
    /// <summary>Marks a decode-cache entry where no block can start (its instruction is not translatable).</summary>
    public const ushort Untranslatable = ushort.MaxValue;

    private BlockCode? _code;

    /// <summary>The compiled code, or null while it is being compiled.</summary>
    public BlockCode? Code => Volatile.Read(ref _code);
    /// <summary>What compiling it threw (a translator bug), rethrown on the vCPU thread that enters it.</summary>
    public Exception? Failure { get; private set; }
    /// <summary>The decoded instructions, sorted by EIP (the code's second argument).</summary>
    public required Decoding.DecodedInstruction[] Instructions { get; init; }
    /// <summary>The RIP the block is entered at.</summary>
    public required ulong EntryEip { get; init; }
    /// <summary>64-bit code (no CS limit: <see cref="MaxEip"/> is not checked at entry).</summary>
    public required bool Code64 { get; init; }
    /// <summary>Physical address of the page the code came from.</summary>
    public required ulong PhysicalPage { get; init; }
    /// <summary>The 64-byte chunks of that page holding the block's instruction bytes (bit n = chunk n).</summary>
    public required ulong ChunkMask { get; init; }
    /// <summary>Instructions in the block: the most it runs between two checks of the instruction limit and RequestExit.</summary>
    public required int InstructionCount { get; init; }
    /// <summary>The highest EIP inside the block (the CS limit must cover it, so in-block branches need no limit check).</summary>
    public required ulong MaxEip { get; init; }
    public BlockAssumptions Assumptions { get; private set; }
    /// <summary>Segments (bit n) whose accesses the block makes without limit or type checks: they must be flat at entry.</summary>
    public int FlatSegments { get; private set; }
    /// <summary>False once the code under it changed; the entry then translates again.</summary>
    public bool Valid = true;

    /// <summary>Makes the compiled code available; the assumptions are written before the code is seen.</summary>
    internal void Publish(BlockCode code, BlockAssumptions assumptions, int flatSegments)
    {
        Assumptions = assumptions;
        FlatSegments = flatSegments;
        Volatile.Write(ref _code, code);
    }

    internal void Fail(Exception failure) => Failure = failure;
}

/// <summary>The CPU state a block's code depends on beyond its physical address and code size.</summary>
[Flags]
internal enum BlockAssumptions : byte
{
    None = 0,
    /// <summary>Protected mode outside V86: segment accesses are checked (flat ones skip it).</summary>
    SegmentChecks = 1,
    /// <summary>The stack is 32-bit (SS.B), for PUSH/POP/CALL/RET.</summary>
    Stack32 = 2,
}
