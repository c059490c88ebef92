using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The debug facilities (SDM Vol. 3, chapter 17): EFLAGS.TF single-step (#DB trap after the
/// instruction, DR6.BS; none after INT n/INT3/INTO or a faulting instruction; deferred past MOV SS
/// and POP SS), instruction breakpoints from DR0-DR3/DR7 (#DB fault before the instruction, EFLAGS.RF
/// suppresses it for one instruction) and data breakpoints (#DB trap after the access, DR6.Bn).
/// The run loop takes the slow per-instruction path here only while <see cref="NeedsPerInstructionChecks"/>.
/// </summary>
internal sealed partial class Cpu
{
    private const uint Dr6BS = 1u << 14;
    private const uint Dr6HitBits = 0xF;
    private const uint Dr6BT = 1u << 15;

    /// <summary>The new task's TSS has the T bit: #DB (DR6.BT) before its first instruction.</summary>
    private bool _taskTrapPending;

    /// <summary>DR7 enables at least one breakpoint (L0-L3 or G0-G3).</summary>
    private bool _breakpointsEnabled;
    /// <summary>An enabled data breakpoint exists: pages holding one stay out of the TLB fast path.</summary>
    private bool _watchActive;
    /// <summary>DR6.Bn bits of data breakpoints the current instruction hit.</summary>
    private uint _dataHits;
    /// <summary>An interrupt or exception was delivered by the current instruction (INT n, INT3, INTO, INT1): no single-step trap.</summary>
    private bool _suppressSingleStep;

    /// <summary>
    /// True while an instruction needs the checks of <see cref="StepWithDebugChecks"/>: TF (single-step),
    /// RF (to clear it after the instruction) or an enabled breakpoint. A block executor tests this too.
    /// </summary>
    public bool NeedsPerInstructionChecks => (_flags & (Eflags.TF | Eflags.RF)) != 0 || _breakpointsEnabled;

    /// <summary>Recomputes the breakpoint state after a write to DR0-DR3 or DR7.</summary>
    private void DebugRegistersChanged()
    {
        uint dr7 = Dr[7];
        _breakpointsEnabled = (dr7 & 0xFF) != 0 || _taskTrapPending || _hostChecks;
        bool watch = _hostWatchpoints.Length != 0;
        for (int n = 0; n < 4; n++)
            watch |= BreakpointEnabled(n) && BreakpointKind(n) is 1 or 3;
        _watchActive = watch;
        FlushTlb(); // pages with a data breakpoint must leave the fast path
    }

    private bool BreakpointEnabled(int n) => ((Dr[7] >> (2 * n)) & 3) != 0;

    /// <summary>R/Wn: 0 instruction, 1 data write, 2 I/O (CR4.DE), 3 data read or write.</summary>
    private int BreakpointKind(int n) => (int)(Dr[7] >> (16 + 4 * n)) & 3;

    private uint BreakpointLength(int n) => ((Dr[7] >> (18 + 4 * n)) & 3) switch { 0 => 1u, 1 => 2u, 3 => 4u, _ => 8u };

    /// <summary>One instruction with the debug checks; true when Run() must return Exit.Reason.</summary>
    private bool StepWithDebugChecks()
    {
        if (_hostChecks && HostStopsBefore())
            return true;
        if (_taskTrapPending)
        {
            _taskTrapPending = false;
            _breakpointsEnabled = (Dr[7] & 0xFF) != 0 || _hostChecks;
            Dr[6] |= Dr6BT;
            _instrRip = Rip;
            _instrRsp = R64(Gpr.ESP);
            return !RaiseException(Vector.DB, 0, false);
        }
        bool rf = (Flags & Eflags.RF) != 0;
        bool step = (Flags & Eflags.TF) != 0;
        BeginInstruction();
        if (_breakpointsEnabled && !rf)
            CheckInstructionBreakpoints();
        _suppressSingleStep = false;
        _dataHits = 0;
        ref DecodedInstruction d = ref Fetch();
        if (_hostChecks)
            TraceInstruction(ref d);
        ExecuteOne(ref d);
        if (_hostChecks)
            HostStopsAfter();
        bool iret = d.I.Mnemonic is Mnemonic.Iret or Mnemonic.Iretd;
        if (rf && !iret)
            Flags &= ~Eflags.RF;
        // MOV SS / POP SS hold the single-step trap back until after the next instruction.
        bool ssShadow = _interruptShadow && d.I.Op0Kind == OpKind.Register && d.I.Op0Register == Register.SS;
        uint dr6 = _dataHits;
        if (step && !_suppressSingleStep && !ssShadow)
            dr6 |= Dr6BS;
        if (dr6 == 0)
        {
            if (_exitPending)
            {
                _exitPending = false; // a host stop stays pending for the next Run()
                return true;
            }
            return _hostStopPending != Core.Accel.DebugStopKind.None && ReportHostStop();
        }
        Dr[6] = (Dr[6] & ~Dr6HitBits) | dr6 | (Dr[6] & Dr6BS);
        if (_exitPending)
        {
            // The exit goes first; the trap is delivered at the start of the next Run().
            _exitPending = false;
            _faultPending = true;
            _faultVector = Vector.DB;
            _faultErrorCode = 0;
            _faultHasErrorCode = false;
            return true;
        }
        _instrRip = Rip;
        _instrRsp = R64(Gpr.ESP);
        return !RaiseException(Vector.DB, 0, false);
    }

    /// <summary>Called after a task switch into a 32-bit TSS whose T bit (offset 0x64, bit 0) is set.</summary>
    private void ArmTaskTrap()
    {
        _taskTrapPending = true;
        _breakpointsEnabled = true;
    }

    /// <summary>IRETD loads RF from the image (so a handler can step over an instruction breakpoint); POPF does not.</summary>
    private void IretRestoresRf(uint image, int size)
    {
        if (size == 4)
            Flags = (Flags & ~Eflags.RF) | (image & Eflags.RF);
    }

    /// <summary>An enabled instruction breakpoint at CS:EIP's linear address: #DB fault with DR6.Bn.</summary>
    private void CheckInstructionBreakpoints()
    {
        ulong la = CodeLinear(Rip);
        uint hits = 0;
        for (int n = 0; n < 4; n++)
        {
            if (BreakpointEnabled(n) && BreakpointKind(n) == 0 && Dr[n] == la)
                hits |= 1u << n;
        }
        if (hits == 0)
            return;
        Dr[6] = (Dr[6] & ~Dr6HitBits) | hits;
        throw Fault(Vector.DB);
    }

    /// <summary>
    /// Called by the slow memory paths while a data breakpoint is enabled: records hits for the
    /// trap after the instruction, and keeps the page's TLB entry invalid so the next access to
    /// it is checked too.
    /// </summary>
    private void WatchAccess(ulong la, int size, bool write, bool record, ref Memory.TlbEntry e)
    {
        if (_hostWatchpoints.Length != 0)
            HostWatchAccess(la, size, write, record, ref e);
        ulong end = la + (ulong)size - 1;
        for (int n = 0; n < 4; n++)
        {
            if (!BreakpointEnabled(n))
                continue;
            int kind = BreakpointKind(n);
            if (kind is not (1 or 3))
                continue;
            uint len = BreakpointLength(n);
            uint start = Dr[n] & ~(len - 1);
            if ((start >> 12) == (la >> 12) || ((start + len - 1) >> 12) == (la >> 12))
                e.Tag = 0;
            if (record && (write || kind == 3) && la <= start + len - 1 && start <= end)
                _dataHits |= 1u << n;
        }
    }
}
