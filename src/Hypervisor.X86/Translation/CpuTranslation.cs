using System.Runtime.CompilerServices;
using Hypervisor.X86.Decoding;
using Hypervisor.X86.Translation;

namespace Hypervisor.X86.Cpu;

/// <summary>When the translator compiles guest code (see Translation/README in src/Hypervisor.X86/README.md).</summary>
public enum TranslationMode
{
    /// <summary>Interpret everything.</summary>
    Off,
    /// <summary>Translate a block once it has started <see cref="Cpu.HotThreshold"/> times.</summary>
    Auto,
    /// <summary>Translate every block the first time it runs (tests: the translator sees all code).</summary>
    Always,
}

/// <summary>
/// The translator's side of the CPU: hot block starts become <see cref="TranslatedBlock"/>s, which the run
/// loop enters instead of interpreting; stores into their code drop them.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>
    /// Block starts interpreted this often are translated (MINIVMM_TRANSLATE_HOT overrides it): RyuJIT
    /// takes milliseconds per block, the time to interpret some 10^5 instructions, and at 64 Linux
    /// made 24,000 blocks that kept the background compiler behind.
    /// </summary>
    public static readonly int HotThreshold =
        int.TryParse(Environment.GetEnvironmentVariable("MINIVMM_TRANSLATE_HOT"), out int hot) && hot is > 0 and < TranslatedBlock.Untranslatable ? hot : 1000;

    /// <summary>
    /// Off, Auto or Always; MINIVMM_TRANSLATE=off|auto|always sets the default, which is Auto: hot
    /// blocks compiled in the background (Debian's i386 Linux: half the CPU time of interpreting).
    /// </summary>
    public TranslationMode Translation = DefaultTranslation;

    internal static readonly TranslationMode DefaultTranslation =
        Environment.GetEnvironmentVariable("MINIVMM_TRANSLATE")?.ToLowerInvariant() switch
        {
            "off" or "0" => TranslationMode.Off,
            "always" => TranslationMode.Always,
            _ => TranslationMode.Auto,
        };

    /// <summary>Set by a store that dropped decoded code: a running block leaves after the current instruction.</summary>
#pragma warning disable CS0414 // read by translated code (CpuState.LeaveBlock)
    private bool _leaveBlock;
#pragma warning restore CS0414
    private readonly Dictionary<ulong, List<TranslatedBlock>> _blocksByPage = [];
    private int _blockCount;
    private const int MaxBlocks = 1 << 16;
    /// <summary>Times a page's blocks may be dropped by stores into them before the page stays interpreted.</summary>
    private const int MaxRewrites = 4;
    private readonly Dictionary<ulong, int> _rewrites = [];
    /// <summary>Entries per TLB (translated code indexes it inline).</summary>
    internal const int TlbEntries = TlbSize;
    private const int AttentionInterruptLine = 16;

    /// <summary>Thread-safe: an interrupt line changed; a translated loop leaves at its next backward branch so the run loop can take it.</summary>
    public void NoteInterruptLineChanged()
    {
        if (_blockCount != 0)
            Interlocked.Or(ref _attention, AttentionInterruptLine);
    }

    /// <summary>Blocks translated so far (statistics; in auto mode some may still be compiling).</summary>
    public long BlocksTranslated { get; private set; }

    /// <summary>Times translated code ran (statistics).</summary>
    public long BlockEntries { get; private set; }

    /// <summary>
    /// The block starting at <paramref name="d"/>, translated now if it just became hot, when it may run
    /// with the current state and at least its length of instructions left before the limit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TranslatedBlock? RunnableBlock(ref DecodedInstruction d, ulong room)
    {
        var block = d.Block;
        if (block is null)
        {
            if (d.Heat == TranslatedBlock.Untranslatable)
                return null;
            if (++d.Heat < (Translation == TranslationMode.Always ? 1 : HotThreshold) || Unsafe.AreSame(ref d, ref _uncached))
                return null;
            block = Translate(ref d);
            if (block is null)
                return null;
        }
        if (!block.Valid)
        {
            d.Block = null;
            d.Heat = 0;
            return null;
        }
        if (block.Code is null)
        {
            if (block.Failure is { } failure)
                throw new InvalidOperationException($"translating the block at {block.EntryEip:x8} failed: {failure.Message}", failure);
            return Refuse("being compiled");
        }
        if ((ulong)block.InstructionCount > room || (!block.Code64 && block.MaxEip > _eipLimit))
            return Refuse("room or limit");
        var needs = block.Assumptions;
        if (((needs & BlockAssumptions.SegmentChecks) != 0) != _segmentChecks)
            return Refuse("segment checks");
        if ((needs & BlockAssumptions.Stack32) != 0 && !Stack32)
            return Refuse("stack size");
        if (_segmentChecks)
        {
            _uncheckedSegments = UncheckedSegments();
            if ((block.FlatSegments & ~_uncheckedSegments) != 0)
                return Refuse("segment not flat");
        }
        return block;
    }

    private static TranslatedBlock? Refuse(string why)
    {
        if (TranslationStatistics.Detailed)
            TranslationStatistics.RecordRefused(why);
        return null;
    }

    /// <summary>Runs a block; true when Run() must return (an MMIO store ended it with an exit).</summary>
    private bool RunBlock(TranslatedBlock block)
    {
        ulong before = Retired;
        BlockEntries++;
        block.Code!(this, block.Instructions);
        if (TranslationStatistics.Detailed)
            TranslationStatistics.RecordEntry(Retired - before);
        _leaveBlock = false;
        if (_mmioCount != 0)
            MmioAccessesDone();
        if (_exitPending)
        {
            _exitPending = false;
            return true;
        }
        return false;
    }

    private TranslatedBlock? Translate(ref DecodedInstruction entry)
    {
        // A page whose blocks keep being overwritten (self-modifying code) stays interpreted: each
        // translation would cost a JIT compile for a few runs.
        ulong page = entry.Tag & ((1UL << 40) - 1) & ~(ulong)PageOffsetMask;
        var code = _rewrites.GetValueOrDefault(page) >= MaxRewrites ? null : BlockScanner.Scan(this, ref entry);
        if (code is null)
        {
            if (TranslationStatistics.Detailed)
                TranslationStatistics.RecordRefused($"untranslatable start {entry.I.Mnemonic}{(entry.Fast >= FastForm.MovRR16 ? "16" : "")}");
            entry.Heat = TranslatedBlock.Untranslatable;
            return null;
        }
        if (_blockCount >= MaxBlocks)
            DropAllBlocks();
        var block = BlockCompiler.Describe(code);
        // Always (tests) compiles here, so every block runs translated from its first entry; Auto compiles
        // in the background and interprets until the code is ready.
        if (Translation == TranslationMode.Always)
            BlockCompiler.CompileInto(block, code, Stack32, _segmentChecks);
        else
            BackgroundCompiler.Enqueue(block, code, Stack32, _segmentChecks);
        if (!_blocksByPage.TryGetValue(block.PhysicalPage, out var list))
            _blocksByPage[block.PhysicalPage] = list = [];
        list.Add(block);
        _blockCount++;
        BlocksTranslated++;
        entry.Block = block;
        return block;
    }

    /// <summary>A store or DMA dropped decoded code in these chunks: blocks built from them go too.</summary>
    private void InvalidateBlocks(ulong pageBase, ulong chunks)
    {
        _leaveBlock = true;
        if (_blockCount == 0 || !_blocksByPage.TryGetValue(pageBase, out var list))
            return;
        bool dropped = false;
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if ((list[i].ChunkMask & chunks) != 0)
            {
                list[i].Valid = false;
                list.RemoveAt(i);
                _blockCount--;
                dropped = true;
            }
        }
        if (dropped)
            _rewrites[pageBase] = _rewrites.GetValueOrDefault(pageBase) + 1;
    }

    private void DropAllBlocks()
    {
        foreach (var list in _blocksByPage.Values)
            foreach (var block in list)
                block.Valid = false;
        _blocksByPage.Clear();
        _rewrites.Clear();
        _blockCount = 0;
    }

    // Slow paths and eager-flag operations translated code calls (it spills its state first).

    /// <summary>
    /// m32 = m32 op src off the TLB fast path (<paramref name="segAndOp"/>: the segment, and the
    /// <see cref="RmwOp"/> from bit 4): returns the old value (the caller owes the flags).
    /// </summary>
    internal uint ReadModifyWriteInBlock(int segAndOp, ulong offset, uint src) =>
        UpdateMemory32(segAndOp & 0xF, offset, (RmwOp)(segAndOp >> 4), src);

    /// <summary>INC/DEC keep CF: settles it into the flags before they owe their own (as <see cref="SetLazyIncDec"/>).</summary>
    internal void SettleCarry()
    {
        if (_lazyOp != LazyFlagsOp.None)
            _flags = (_flags & ~Eflags.CF) | LazyCarry();
    }

    /// <summary>SHL/SHR/SAR/ROL/ROR (0-4, as the fast forms order them) of a 32-bit value by a non-zero count.</summary>
    internal uint ShiftInBlock(int op, uint value, uint count)
    {
        var shift = op switch { 0 => ShiftOp.Shl, 1 => ShiftOp.Shr, 2 => ShiftOp.Sar, 3 => ShiftOp.Rol, _ => ShiftOp.Ror };
        value = ShiftValue(shift, value, count, 4, out uint flags);
        Flags = flags;
        return value;
    }

    /// <summary>SHL/SHR/SAR (0-2) of a quadword by a non-zero masked count (the REX.W immediate forms), flags computed.</summary>
    internal ulong Shift64InBlock(int op, ulong value, int count)
    {
        uint f = Flags;
        value = ShiftBits64(op == 0 ? ShiftOp.Shl : op == 1 ? ShiftOp.Shr : ShiftOp.Sar, value, count, ref f);
        Flags = f;
        return value;
    }

    /// <summary>ADC r64, r64/imm (as the fast form: CF in, flags computed).</summary>
    internal ulong Adc64InBlock(ulong a, ulong b) => AddWithFlags(a, b, Flags & Eflags.CF, 8);

    /// <summary>An instruction the compiler has no code for, run by the interpreter inside a block (the block spilled its state).</summary>
    internal void ExecuteInBlock(ref DecodedInstruction d)
    {
        if (TranslationStatistics.Detailed)
            TranslationStatistics.RecordInterpreted($"{d.I.Mnemonic}/{d.Fast} {d.Access0},{d.Access1} size {d.DataSize}");
        _mmioCursor = 0;
        Rip = d.NextRip;
        if (d.Fast != FastForm.None)
        {
            // As ExecuteOne: the 64-bit forms have their own handlers, and a 32-bit result in 64-bit mode zero-extends.
            if (d.Fast >= FastForm.MovRRQ)
                ExecuteFast64(ref d);
            else
                ExecuteFast(ref d);
            if (d.ZeroExtendsReg0)
                R64(d.Reg0) = R(d.Reg0);
        }
        else
        {
            Execute(ref d);
        }
    }

    // What the byte-code of a translated block gets and where its state lives (the compiler binds these by name).
    internal InstructionCache DecodeCache => _icache;
    internal uint CodeSegmentBase => _csBase;
    internal ulong FetchPhysicalBase => _fetchPhysicalBase;
}
