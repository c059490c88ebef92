using Hypervisor.Core.Accel;
using Hypervisor.X86.Decoding;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The host's debugger and tracer (gdb stub, --trace in_asm/int), apart from the guest's own DR0-DR7:
/// breakpoints by linear EIP checked before an instruction, watchpoints through the data-breakpoint
/// path of the memory slow paths (their pages stay out of the TLB), single-step, and instruction and
/// interrupt reports. While any is set <see cref="NeedsPerInstructionChecks"/> holds, so only the
/// debug-checked step runs and the block loop is untouched when nothing is attached.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>A debugger or an instruction tracer is attached: every instruction takes the debug-checked step.</summary>
    private bool _hostChecks;
    private GuestDebug? _hostDebug;
    private HashSet<ulong> _hostBreakpoints = [];
    private Watchpoint[] _hostWatchpoints = [];
    private ICpuTraceSink? _trace;
    private ICpuTraceSink? _interruptTrace;

    /// <summary>The vCPU number the trace reports.</summary>
    public int TraceId { get; set; }

    /// <summary>A stop found after an instruction that made an exit: reported on the next Run().</summary>
    private DebugStopKind _hostStopPending;
    private ulong _hostStopAddress;

    public void SetHostDebug(GuestDebug? debug)
    {
        _hostDebug = debug;
        _hostBreakpoints = debug == null ? [] : debug.Breakpoints.ToHashSet();
        _hostWatchpoints = debug == null ? [] : [.. debug.Watchpoints];
        if (debug == null)
            _hostStopPending = DebugStopKind.None;
        HostChecksChanged();
    }

    public void SetTrace(ICpuTraceSink? sink)
    {
        _trace = sink is { Instructions: true } ? sink : null;
        _interruptTrace = sink is { Interrupts: true } ? sink : null;
        HostChecksChanged();
    }

    private void HostChecksChanged()
    {
        _hostChecks = _hostDebug != null || _trace != null;
        DebugRegistersChanged();
    }

    /// <summary>Before an instruction: a stop left pending by the last one, or a breakpoint at EIP. True when Run() must return.</summary>
    private bool HostStopsBefore()
    {
        if (_hostStopPending != DebugStopKind.None)
            return ReportHostStop();
        ulong la = CodeLinear(Rip);
        if (_hostBreakpoints.Count != 0 && _hostBreakpoints.Contains(la))
        {
            _hostStopPending = DebugStopKind.Breakpoint;
            _hostStopAddress = la;
            return ReportHostStop();
        }
        return false;
    }

    /// <summary>The instruction about to run, for the in_asm trace.</summary>
    private void TraceInstruction(ref DecodedInstruction d)
    {
        if (_trace != null)
            _trace.Instruction(TraceId, CodeLinear(_instrRip), in d.I);
    }

    /// <summary>After an instruction: single-step (or a watchpoint the access check recorded) stops here.</summary>
    private void HostStopsAfter()
    {
        if (_hostStopPending == DebugStopKind.None && _hostDebug is { SingleStep: true })
        {
            _hostStopPending = DebugStopKind.SingleStep;
            _hostStopAddress = CodeLinear(Rip);
        }
    }

    private bool ReportHostStop()
    {
        Exit.DebugStop = _hostStopPending;
        Exit.DebugAddress = _hostStopAddress;
        _hostStopPending = DebugStopKind.None;
        SetExit(VcpuExitReason.Debug);
        return true;
    }

    /// <summary>Called from <see cref="WatchAccess"/>: keeps watched pages out of the TLB and records a hit.</summary>
    private void HostWatchAccess(ulong la, int size, bool write, bool record, ref Memory.TlbEntry e)
    {
        foreach (var w in _hostWatchpoints)
        {
            uint start = (uint)w.Address, last = start + (uint)w.Length - 1;
            if ((start >> 12) == (la >> 12) || (last >> 12) == (la >> 12))
                e.Tag = 0;
            if (record && w.FiresOn(write) && w.Overlaps(la, size) && _hostStopPending == DebugStopKind.None)
            {
                _hostStopPending = DebugStopKind.Watchpoint;
                _hostStopAddress = w.Address;
            }
        }
    }

    /// <summary>An interrupt or exception is being delivered, for the int trace.</summary>
    private void TraceInterrupt(byte vector, uint errorCode, bool hasErrorCode, InterruptKind kind)
    {
        var source = kind switch { InterruptKind.Software => InterruptSource.Software, InterruptKind.External => InterruptSource.External, _ => InterruptSource.Exception };
        _interruptTrace!.Interrupt(TraceId, vector, source, hasErrorCode ? errorCode : null, Segs[Seg.CS].Selector, _instrRip);
    }
}
