using System.Runtime.CompilerServices;
using Hypervisor.Core.Accel;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The run loop: fetch, execute, retire; deliver exceptions and external interrupts between
/// instructions; stop for exits, RequestExit and the instruction limit. No host exception leaves
/// <see cref="Run"/>: a bug in the emulator becomes an internal-error exit with CS:EIP.
/// </summary>
internal sealed partial class Cpu
{
    private const int AttentionExitRequested = 1;
    private const int AttentionExternalWrite = 2;
    private const int AttentionMemoryMap = 8;
    private int _attention;
    /// <summary>Instructions a block runs at most before the checks between blocks (interrupts, RequestExit) run again.</summary>
    private const int MaxBlockLength = 64;
    private readonly System.Collections.Concurrent.ConcurrentQueue<(ulong Address, int Length)> _externalWrites = new();
    private readonly ManualResetEventSlim _wake = new(false);

    /// <summary>Thread-safe: makes Run() return Intr at the next instruction boundary (or wakes a HLT).</summary>
    public void RequestExit()
    {
        Interlocked.Or(ref _attention, AttentionExitRequested);
        _wake.Set();
    }

    /// <summary>Thread-safe: a device wrote guest memory; drop decoded code there before the next instruction.</summary>
    public void NoteExternalWrite(ulong address, int length)
    {
        _externalWrites.Enqueue((address, length));
        Interlocked.Or(ref _attention, AttentionExternalWrite);
    }

    /// <summary>
    /// Thread-safe: the routing of [address, address + length) changed (shadow RAM switched in or out
    /// under ROM); drop translations and decoded code there before the next instruction.
    /// </summary>
    public void NoteMemoryMapChange(ulong address, ulong length)
    {
        for (ulong a = address; a < address + length; a += Memory.PhysicalMemory.PageSize)
            _externalWrites.Enqueue((a, (int)Math.Min(Memory.PhysicalMemory.PageSize, address + length - a)));
        Interlocked.Or(ref _attention, AttentionMemoryMap | AttentionExternalWrite);
    }

    /// <summary>An exception raised by the last instruction, delivered at the top of the loop (so its own faults unwind cleanly).</summary>
    private bool _faultPending;
    private byte _faultVector;
    private uint _faultErrorCode;
    private bool _faultHasErrorCode;

    public VcpuExitReason Run()
    {
        try
        {
            if (Parked && SleepWhileParked())
                return Exit.Reason;
            return RunLoop();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return InternalError($"emulator error at {CsEip()}: {ex.GetType().Name}: {ex.Message}", SoftwareCpuErrors.EmulatorFault);
        }
    }

    private VcpuExitReason RunLoop()
    {
        bool entry = true;
        while (true)
        {
            _uncheckedSegments = 0; // exceptions and exits below check every segment access
            try
            {
                if (entry)
                {
                    entry = false;
                    CompletePendingExit();
                    if (_exitPending)
                    {
                        // INS stored into MMIO: that store is the next exit.
                        _exitPending = false;
                        return Exit.Reason;
                    }
                }
                if (_faultPending)
                {
                    // A delivered exception counts as retired work, so a fault loop still meets the limit.
                    if (Retired >= InstructionLimit)
                        return SetExit(VcpuExitReason.Intr);
                    Retired++;
                    _mmioCursor = 0;
                    bool delivered = RaiseException(_faultVector, _faultErrorCode, _faultHasErrorCode);
                    _faultPending = false;
                    if (!delivered)
                        return Exit.Reason;
                }
                return ExecuteUntilExit();
            }
            catch (GuestFault f)
            {
                Rip = _instrRip;
                R64(Gpr.ESP) = _instrRsp;
                MmioAccessesDone();
                _exitPending = false;
                _faultPending = true;
                _faultVector = f.Vector;
                _faultErrorCode = f.ErrorCode;
                _faultHasErrorCode = f.HasErrorCode;
            }
            catch (VmExitSignal)
            {
                if (!_faultPending)
                {
                    Rip = _instrRip;
                    R64(Gpr.ESP) = _instrRsp;
                }
                _exitPending = false;
                return Exit.Reason;
            }
        }
    }

    /// <summary>
    /// The hot loop, kept free of exception handling so the JIT keeps state in registers; compiled
    /// fully optimized at once (it runs long inside one call, where tiering would only reach OSR code).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private VcpuExitReason ExecuteUntilExit()
    {
        bool afterBlock = false;
        while (true)
        {
            _uncheckedSegments = 0; // NMIs, interrupts and debug-checked steps check every access
            if (_attention != 0 && HandleAttention())
                return Exit.Reason;
            if (Retired >= InstructionLimit)
                return SetExit(VcpuExitReason.Intr);
            // One instruction only when the interrupt check was skipped (the shadow after STI/MOV SS,
            // an MMIO restart) or delivered one, so the next interrupt is taken exactly where the
            // per-instruction loop takes it. Single-step and breakpoints (EFLAGS.TF, DR7) take the
            // debug-checked step below, one instruction per pass.
            // The instruction limit is met exactly: a block never runs past it.
            ulong room = InstructionLimit - Retired;
            int budget = _mmioCount != 0 ? 1 : room < MaxBlockLength ? (int)room : MaxBlockLength;
            if (_interruptShadow)
            {
                _interruptShadow = false;
                budget = 1;
            }
            else if ((_flags & Eflags.IF) != 0 && InterruptController is { HasPendingInterrupt: true } pic && _mmioCount == 0)
            {
                DeliverExternalInterrupt(pic.Acknowledge());
                budget = 1; // a trap gate leaves IF set: the next interrupt comes after one instruction
            }

            if (NeedsPerInstructionChecks)
            {
                if (StepWithDebugChecks())
                    return Exit.Reason;
                continue;
            }
            BeginInstruction();
            ref DecodedInstruction d = ref Fetch();
            // Hot code runs translated (Translation/): one call runs the block, loops inside it included.
            if (budget > 1 && Translation != TranslationMode.Off)
            {
                if (RunnableBlock(ref d, room) is { } block)
                {
                    if (RunBlock(block))
                        return Exit.Reason;
                    afterBlock = true;
                    continue;
                }
                // A block left before an instruction it cannot run: interpret that one only, so the
                // code after it gets its own chance to become a block.
                if (afterBlock)
                    budget = 1;
            }
            afterBlock = false;
            // A block cannot load segment registers, so accesses through flat segments skip their checks.
            if (d.ContinuesBlock && _segmentChecks)
                _uncheckedSegments = UncheckedSegments();
            while (true)
            {
                ExecuteOne(ref d);
                if (_exitPending)
                {
                    _exitPending = false;
                    return Exit.Reason;
                }
                // The block runs on to the next instruction when this one can only have changed
                // registers, flags, memory or EIP (near branches included), the next one is decoded
                // in the same page, and the block is under its length. Everything else ends it, and
                // the checks above (events, interrupts, the shadow) run again once per block. A store
                // into code drops the entries there, which ends the block before the changed code.
                if (!d.ContinuesBlock || --budget == 0)
                    break;
                ulong eip = Rip;
                ulong tag;
                if (eip == d.NextRip && d.NextInPage)
                {
                    tag = d.Tag + d.Length; // straight on: the next bytes of the same physical page
                }
                else
                {
                    ulong la = (_csBase + eip) & _linearMask;
                    if ((la & LinearPageMask) != _fetchPage)
                        break;
                    tag = _fetchPhysicalBase | (la & PageOffsetMask) | (d.Tag & InstructionCache.ModeBits);
                }
                if (_segmentChecks && eip > _eipLimit)
                    break; // (64-bit mode has no CS limit; real mode's EIP never passes it)
                ref DecodedInstruction next = ref _icache.Slot(tag);
                if (next.Tag != tag || next.Rip != eip || next.Block is not null)
                    break; // not decoded here, or translated code starts here
                if (!next.ContinuesBlock)
                    _uncheckedSegments = 0; // the block's last instruction may load segments
                d = ref next;
                BeginInstruction();
            }
        }
    }

    /// <summary>Marks where the current instruction starts: a fault restarts it from this EIP and ESP.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BeginInstruction()
    {
        _instrRip = Rip;
        _instrRsp = R64(Gpr.ESP);
        _mmioCursor = 0;
    }

    /// <summary>
    /// Steps EIP past a fetched instruction, executes it (its fast form when it has one) and retires
    /// it. Both the block loop and the debug-checked step run instructions through here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExecuteOne(ref DecodedInstruction d)
    {
        Rip = d.NextRip;
        if (d.Fast != FastForm.None)
        {
            if (d.Fast >= FastForm.MovRRQ)
                ExecuteFast64(ref d);
            else
                ExecuteFast(ref d);
            if (d.ZeroExtendsReg0)
                R64(d.Reg0) = R(d.Reg0); // a 32-bit result in 64-bit mode
        }
        else
            Execute(ref d);
        Retired++;
        if (_mmioCount != 0)
            MmioAccessesDone();
    }

    /// <summary>
    /// Handles RequestExit, INIT/start-up IPIs and DMA writes; true when Run() must return.
    /// <paramref name="parked"/>: called from a parked vCPU's sleep, where an INIT that leaves it
    /// waiting for its start-up IPI is no reason to return (it sleeps on).
    /// </summary>
    private bool HandleAttention(bool parked = false)
    {
        int a = Interlocked.Exchange(ref _attention, 0);
        bool stoppedByInit = false;
        if ((a & (AttentionInit | AttentionStartup)) != 0)
        {
            ServiceApicSignals(a);
            stoppedByInit = _waitingForStartup;
        }
        if ((a & AttentionMemoryMap) != 0)
            FlushTlb();
        if ((a & AttentionPeerCode) != 0)
            ServicePeerCode();
        if ((a & AttentionExternalWrite) != 0)
        {
            while (_externalWrites.TryDequeue(out var w))
                InvalidatePhysicalRange(w.Address, w.Length);
        }
        if ((a & AttentionNmi) != 0)
        {
            _haltedUntilNmi = _haltedUntilInterrupt = false;
            ServiceNmi();
        }
        if ((a & AttentionExitRequested) != 0)
        {
            _wake.Reset();
            SetExit(VcpuExitReason.Intr);
            return true;
        }
        if (stoppedByInit && !parked)
        {
            SetExit(VcpuExitReason.Intr); // INIT stopped this AP: Run() sleeps until its start-up IPI
            return true;
        }
        return false;
    }

    private void InvalidatePhysicalRange(ulong address, int length)
    {
        while (length > 0)
        {
            int chunk = (int)Math.Min((ulong)length, Memory.PhysicalMemory.PageSize - (address & PageOffsetMask));
            InvalidateCode(address, chunk);
            address += (ulong)chunk;
            length -= chunk;
        }
    }

    public VcpuExitReason SetExit(VcpuExitReason reason)
    {
        Exit.Reason = reason;
        Exit.Message = null;
        return reason;
    }

    public VcpuExitReason InternalError(string message, ulong kind)
    {
        Exit.Reason = VcpuExitReason.InternalError;
        Exit.ErrorCode = kind;
        Exit.Message = message;
        return VcpuExitReason.InternalError;
    }

    /// <summary>Ends the current instruction with a terminal internal-error exit.</summary>
    private VmExitSignal StopWithInternalError(string message, ulong kind)
    {
        InternalError(message, kind);
        return _exitSignal;
    }

    private VmExitSignal FetchFromNonRam(ulong la, ulong phys) =>
        StopWithInternalError($"instruction fetch from physical address 0x{phys:x} (linear 0x{la:x}), which is not RAM, at {CsEip()}",
            SoftwareCpuErrors.GuestFetchOutsideRam);

    public string CsEip() => $"CS:EIP {Segs[Seg.CS].Selector:x4}:{_instrRip:x8}";
}
