using Hypervisor.Core.Accel;
using Hypervisor.X86.Apic;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The CPU's side of its local APIC: IA32_APIC_BASE (MSR 0x1B), the APIC page claimed before the
/// MMIO bus sees it (as on hardware, the APIC answers the CPU's own accesses), and INIT / start-up
/// IPIs. Without an APIC (<see cref="LocalApic"/> null) none of this exists: MSR 0x1B raises #GP and
/// the 8259 drives INTR directly, exactly as before.
/// </summary>
internal sealed partial class Cpu : IApicCpu
{
    private const uint MsrApicBase = 0x1B;
    private const int AttentionInit = 32;
    private const int AttentionStartup = 64;
    /// <summary>The APIC base bits a write may set: BSP, global enable and the page (bits 12-35).</summary>
    private const ulong ApicBaseWritable = ApicBits.BaseBsp | ApicBits.BaseEnable | ApicBits.BaseAddressMask;

    /// <summary>This CPU's local APIC, or null on a machine without one.</summary>
    public LocalApic? LocalApic { get; private set; }

    /// <summary>An AP after INIT: it runs nothing until a start-up IPI.</summary>
    private volatile bool _waitingForStartup;
    private int _startupVector;

    /// <summary>Gives this CPU a local APIC: CPUID then reports one and its page answers at the APIC base.</summary>
    public void AttachLocalApic(LocalApic apic, bool bootstrap)
    {
        LocalApic = apic;
        ApicBase = ApicBits.DefaultBase | ApicBits.BaseEnable | (bootstrap ? ApicBits.BaseBsp : 0);
        InterruptController = apic;
    }

    /// <summary>An application processor waits for INIT and a start-up IPI before running anything.</summary>
    public void WaitForStartup() => _waitingForStartup = true;

    private bool ApicPageEnabled => LocalApic != null && (ApicBase & ApicBits.BaseEnable) != 0;

    /// <summary>True when <paramref name="physical"/> is in the enabled APIC page: the access goes to the local APIC, not the bus.</summary>
    private bool IsApicAccess(ulong physical) =>
        ApicPageEnabled && (physical & ~0xFFFUL) == (ApicBase & ApicBits.BaseAddressMask);

    /// <summary>A load from the APIC page: the register's 32 bits, shifted to the bytes the access covers.</summary>
    private ulong ApicRead(ulong physical, int size)
    {
        int offset = (int)(physical & 0xFF0);
        uint value = LocalApic!.Read(offset) >> (int)(8 * (physical & 3));
        return size >= 4 ? value : value & ((1u << (8 * size)) - 1);
    }

    /// <summary>A store into the APIC page; only aligned 32-bit stores are defined (others write the register's low bytes).</summary>
    private void ApicWrite(ulong physical, uint value) => LocalApic!.Write((int)(physical & 0xFF0), value);

    private bool TryReadApicMsr(uint msr, out ulong value)
    {
        value = ApicBase;
        return msr == MsrApicBase && LocalApic != null;
    }

    /// <summary>WRMSR IA32_APIC_BASE: relocates or globally disables the APIC; reserved bits #GP.</summary>
    private bool TryWriteApicMsr(uint msr, ulong value)
    {
        if (msr != MsrApicBase || LocalApic == null)
            return false;
        if ((value & ~ApicBaseWritable) != 0)
            throw GP();
        bool wasEnabled = (ApicBase & ApicBits.BaseEnable) != 0;
        ApicBase = (value & ~ApicBits.BaseBsp) | (ApicBase & ApicBits.BaseBsp); // BSP is read-only
        if (wasEnabled && (value & ApicBits.BaseEnable) == 0)
            LocalApic.Reset(); // a globally disabled APIC loses its state (SDM 11.4.3)
        FlushTlb();
        return true;
    }

    public void InterruptPending()
    {
        NoteInterruptLineChanged();
        _wake.Set();
    }

    public void ReceiveInit()
    {
        Interlocked.Or(ref _attention, AttentionInit);
        _wake.Set();
    }

    public void ReceiveStartup(byte vector)
    {
        Volatile.Write(ref _startupVector, vector);
        Interlocked.Or(ref _attention, AttentionStartup);
        _wake.Set();
    }

    /// <summary>From the attention path: INIT resets the CPU (an AP then waits); a start-up IPI starts a waiting AP.</summary>
    private void ServiceApicSignals(int attention)
    {
        if ((attention & AttentionInit) != 0)
        {
            ulong apicBase = ApicBase;
            ResetToRealMode();
            ApicBase = apicBase;
            LocalApic?.Reset();
            _faultPending = false;
            _nmiBlocked = _nmiLatched = false;
            _interruptShadow = false;
            FlushTlb();
            _haltedUntilNmi = _haltedUntilInterrupt = false;
            _waitingForStartup = (apicBase & ApicBits.BaseBsp) == 0;
        }
        if ((attention & AttentionStartup) != 0 && _waitingForStartup)
        {
            int vector = Volatile.Read(ref _startupVector);
            Segs[Seg.CS] = SegmentCache.Real((ushort)(vector << 8), 0xB);
            Rip = 0;
            _waitingForStartup = false;
            StateChanged();
        }
    }

    /// <summary>
    /// A vCPU of a VM with several that ran HLT with IF = 0: it stays halted until NMI, INIT or the
    /// end of the machine, while the others run on (one vCPU halting does not stop the machine).
    /// </summary>
    private volatile bool _haltedUntilNmi;

    /// <summary>
    /// A vCPU of a VM with several that ran HLT with IF = 1: it sleeps here, not in the exit loop, so
    /// that an NMI, INIT or IPI for this very vCPU wakes it (the loop's wait knows only INTR).
    /// </summary>
    private volatile bool _haltedUntilInterrupt;

    private bool Parked
    {
        get
        {
            if (_haltedUntilInterrupt && (_flags & Eflags.IF) != 0 && InterruptController is { HasPendingInterrupt: true })
                _haltedUntilInterrupt = false;
            return _waitingForStartup || _haltedUntilNmi || _haltedUntilInterrupt;
        }
    }

    /// <summary>Thread-safe: an interrupt line changed; a vCPU sleeping in HLT here looks at INTR again.</summary>
    public void WakeFromHalt() => _wake.Set();

    /// <summary>
    /// Run() on a parked vCPU (an AP waiting for its start-up IPI, or halted with IF = 0 on an SMP VM):
    /// sleep until what ends the wait arrives (then run) or the VMM asks for an exit (an Intr exit, as
    /// from any Run).
    /// </summary>
    private bool SleepWhileParked()
    {
        while (Parked)
        {
            _wake.Reset();
            if (_attention != 0 && HandleAttention(parked: true))
                return true;
            if (!Parked)
                break;
            _wake.Wait(TimeSpan.FromMilliseconds(100));
        }
        return false;
    }
}
