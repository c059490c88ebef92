using System.Numerics;
using Hypervisor.Abstractions;
using Hypervisor.Core.Apic;

namespace Hypervisor.X86.Apic;

/// <summary>
/// One vCPU's local APIC in xAPIC mode (SDM Vol. 3, chapter 11): ID, version, TPR/PPR, EOI,
/// ISR/IRR/TMR, SVR, the LVT (timer, LINT0, LINT1, error; thermal and performance kept but never
/// raised), the timer (<c>LocalApic.Timer.cs</c>), the ICR and the ESR. It is the CPU's interrupt
/// controller: the CPU asks it for INTR between instructions as it asks the 8259 on a machine without
/// an APIC; LINT0 in ExtINT mode passes the 8259's INTR through (virtual-wire mode, set at reset on the
/// BSP, as QEMU does, so a guest that never touches the APIC sees the 8259 as before). Interrupts
/// arrive from any thread (the APIC bus, the timer); the state is guarded by one lock.
/// </summary>
internal sealed partial class LocalApic : IInterruptController, IApicEndpoint
{
    private const int VectorWords = 8;

    private readonly object _sync = new();
    private readonly ApicBus _bus;
    private readonly IApicCpu _cpu;

    private readonly uint[] _isr = new uint[VectorWords];
    private readonly uint[] _tmr = new uint[VectorWords];
    private readonly uint[] _irr = new uint[VectorWords];
    private readonly bool _bootstrap;
    private uint _id;
    private uint _tpr;
    private uint _ldr;
    private uint _dfr;
    private uint _svr;
    private uint _esr;
    /// <summary>Errors seen since the last ESR write (a write copies them into the readable ESR).</summary>
    private uint _esrPending;
    private uint _icrLow;
    private uint _icrHigh;
    private uint _lvtTimer, _lvtThermal, _lvtPerformance, _lvtLint0, _lvtLint1, _lvtError;
    private bool _lint0Level, _lint1Level;
    /// <summary>An APIC interrupt above the processor priority is waiting (read without the lock on the CPU's hot path).</summary>
    private volatile bool _apicPending;

    public LocalApic(byte id, bool bootstrap, ApicBus bus, IApicCpu cpu, IClock? clock)
    {
        _bootstrap = bootstrap;
        _bus = bus;
        _cpu = cpu;
        _id = (uint)id << 24;
        InitialId = id;
        _clock = clock;
        _timer = clock?.CreateTimer(TimerExpired);
        Reset();
    }

    /// <summary>The 8259 whose INTR LINT0 carries in ExtINT mode; null on a machine without one.</summary>
    public IInterruptController? ExtIntSource { get; set; }

    /// <summary>The APIC ID at power-on (CPUID leaf 1 EBX[31:24]), whatever the guest writes to the ID register later.</summary>
    public byte InitialId { get; }

    public byte ApicId => (byte)(Volatile.Read(ref _id) >> 24);

    /// <summary>Power-on and INIT state (SDM Vol. 3, 11.4.7.1): IRR/ISR/TMR clear, every LVT masked, SVR 0xFF.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            Array.Clear(_isr);
            Array.Clear(_tmr);
            Array.Clear(_irr);
            _tpr = _ldr = _esr = _esrPending = _icrLow = _icrHigh = 0;
            _dfr = 0xFFFF_FFFF;
            _svr = 0xFF;
            _lvtTimer = _lvtThermal = _lvtPerformance = _lvtLint1 = _lvtError = ApicBits.LvtMasked;
            // Virtual wire on the BSP: the 8259's INTR goes through LINT0 (QEMU's apic_reset_common does the same).
            _lvtLint0 = _bootstrap ? (uint)ApicDeliveryMode.ExtInt << ApicBits.LvtDeliveryModeShift : ApicBits.LvtMasked;
            ResetTimer();
            UpdatePending();
        }
    }

    /// <summary>Reads the 32-bit register at <paramref name="offset"/> in the APIC page (bits 4-11 select it).</summary>
    public uint Read(int offset)
    {
        lock (_sync)
        {
            switch (offset)
            {
                case ApicRegister.Id: return _id;
                case ApicRegister.Version: return ApicBits.VersionValue;
                case ApicRegister.TaskPriority: return _tpr;
                case ApicRegister.ArbitrationPriority: return 0;
                case ApicRegister.ProcessorPriority: return ProcessorPriority();
                case ApicRegister.RemoteRead: return 0;
                case ApicRegister.LogicalDestination: return _ldr;
                case ApicRegister.DestinationFormat: return _dfr;
                case ApicRegister.SpuriousVector: return _svr;
                case ApicRegister.ErrorStatus: return _esr;
                case ApicRegister.InterruptCommandLow: return _icrLow;
                case ApicRegister.InterruptCommandHigh: return _icrHigh;
                case ApicRegister.LvtTimer: return _lvtTimer;
                case ApicRegister.LvtThermal: return _lvtThermal;
                case ApicRegister.LvtPerformance: return _lvtPerformance;
                case ApicRegister.LvtLint0: return _lvtLint0;
                case ApicRegister.LvtLint1: return _lvtLint1;
                case ApicRegister.LvtError: return _lvtError;
                case ApicRegister.TimerInitialCount: return _timerInitial;
                case ApicRegister.TimerCurrentCount: return TimerCurrentCount();
                case ApicRegister.TimerDivide: return _timerDivide;
            }
            if (offset is >= ApicRegister.InService and < ApicRegister.InService + 0x80)
                return _isr[(offset - ApicRegister.InService) >> 4];
            if (offset is >= ApicRegister.TriggerMode and < ApicRegister.TriggerMode + 0x80)
                return _tmr[(offset - ApicRegister.TriggerMode) >> 4];
            if (offset is >= ApicRegister.InterruptRequest and < ApicRegister.InterruptRequest + 0x80)
                return _irr[(offset - ApicRegister.InterruptRequest) >> 4];
            RaiseError(ApicBits.EsrIllegalRegister);
            return 0;
        }
    }

    /// <summary>Writes the 32-bit register at <paramref name="offset"/>; read-only and reserved registers are ignored.</summary>
    public void Write(int offset, uint value)
    {
        ApicMessage? ipi = null;
        IpiShorthand shorthand = IpiShorthand.None;
        int endedLevelVector = -1;
        lock (_sync)
        {
            switch (offset)
            {
                case ApicRegister.Id: _id = value & 0xFF00_0000; break;
                case ApicRegister.TaskPriority: _tpr = value & 0xFF; break;
                case ApicRegister.Eoi: endedLevelVector = EndOfInterrupt(); break;
                case ApicRegister.LogicalDestination: _ldr = value & 0xFF00_0000; break;
                case ApicRegister.DestinationFormat: _dfr = value | 0x0FFF_FFFF; break;
                case ApicRegister.SpuriousVector:
                    _svr = value & 0x3FF;
                    if ((_svr & ApicBits.SvrEnable) == 0)
                        MaskAllLvtEntries();
                    break;
                case ApicRegister.ErrorStatus:
                    _esr = _esrPending;
                    _esrPending = 0;
                    break;
                case ApicRegister.InterruptCommandHigh: _icrHigh = value & 0xFF00_0000; break;
                case ApicRegister.InterruptCommandLow:
                    _icrLow = value & ApicBits.IcrLowWritable;
                    ipi = InterruptCommand(out shorthand);
                    break;
                case ApicRegister.LvtTimer: _lvtTimer = WriteLvt(value, ApicBits.LvtTimerWritable); TimerModeChanged(); break;
                case ApicRegister.LvtThermal: _lvtThermal = WriteLvt(value, ApicBits.LvtOtherWritable); break;
                case ApicRegister.LvtPerformance: _lvtPerformance = WriteLvt(value, ApicBits.LvtOtherWritable); break;
                case ApicRegister.LvtLint0: _lvtLint0 = WriteLvt(value, ApicBits.LvtLintWritable); break;
                case ApicRegister.LvtLint1: _lvtLint1 = WriteLvt(value, ApicBits.LvtLintWritable); break;
                case ApicRegister.LvtError: _lvtError = WriteLvt(value, ApicBits.LvtErrorWritable); break;
                case ApicRegister.TimerInitialCount: StartTimer(value); break;
                case ApicRegister.TimerDivide: SetTimerDivide(value); break;
                case ApicRegister.Version or ApicRegister.ArbitrationPriority or ApicRegister.ProcessorPriority
                    or ApicRegister.RemoteRead or ApicRegister.TimerCurrentCount:
                    break; // read-only
                default:
                    if (offset is < ApicRegister.InService or >= ApicRegister.ErrorStatus)
                        RaiseError(ApicBits.EsrIllegalRegister);
                    break; // ISR, TMR and IRR are read-only
            }
            UpdatePending();
        }
        // Sent outside the lock: the I/O APIC may answer an EOI with a message to this APIC, another
        // vCPU's APIC may be sending to this one, and an IPI may come back here (self, broadcast).
        if (endedLevelVector >= 0)
            _bus.BroadcastEndOfInterrupt((byte)endedLevelVector);
        if (ipi is { } message)
            _bus.Send(message, shorthand, this);
    }

    /// <summary>While the APIC is software-disabled every LVT entry stays masked (SDM 11.4.7.2).</summary>
    private uint WriteLvt(uint value, uint writable)
    {
        value &= writable;
        return (_svr & ApicBits.SvrEnable) == 0 ? value | ApicBits.LvtMasked : value;
    }

    private void MaskAllLvtEntries()
    {
        _lvtTimer |= ApicBits.LvtMasked;
        _lvtThermal |= ApicBits.LvtMasked;
        _lvtPerformance |= ApicBits.LvtMasked;
        _lvtLint0 |= ApicBits.LvtMasked;
        _lvtLint1 |= ApicBits.LvtMasked;
        _lvtError |= ApicBits.LvtMasked;
    }

    /// <summary>An ICR low write sends the IPI it describes (delivery is immediate, so the status bit stays idle).</summary>
    private ApicMessage? InterruptCommand(out IpiShorthand shorthand)
    {
        var mode = (ApicDeliveryMode)((_icrLow >> 8) & 7);
        shorthand = (IpiShorthand)((_icrLow >> ApicBits.IcrShorthandShift) & 3);
        bool level = (_icrLow & ApicBits.IcrTriggerLevel) != 0;
        // INIT level de-assert only synchronizes arbitration IDs: no message.
        if (mode == ApicDeliveryMode.Init && level && (_icrLow & ApicBits.IcrLevelAssert) == 0)
            return null;
        byte vector = (byte)_icrLow;
        if (mode is ApicDeliveryMode.Fixed or ApicDeliveryMode.LowestPriority && vector < 16)
        {
            RaiseError(ApicBits.EsrSendIllegalVector);
            return null;
        }
        return new ApicMessage(vector, mode, (byte)(_icrHigh >> 24),
            LogicalDestination: (_icrLow & ApicBits.IcrDestinationLogical) != 0, LevelTriggered: level);
    }

    public bool MatchesLogical(byte destination)
    {
        lock (_sync)
        {
            uint logical = _ldr >> 24;
            if (destination == 0xFF)
                return true;
            if ((_dfr >> 28) == ApicBits.DfrFlat)
                return (logical & destination) != 0;
            // Cluster model: the high nibble names the cluster, the low nibble a set inside it.
            return (logical >> 4) == (uint)(destination >> 4) && (logical & destination & 0xF) != 0;
        }
    }

    public void Accept(in ApicMessage message)
    {
        switch (message.DeliveryMode)
        {
            case ApicDeliveryMode.Fixed or ApicDeliveryMode.LowestPriority:
                lock (_sync)
                {
                    if (message.Vector < 16)
                        RaiseError(ApicBits.EsrReceiveIllegalVector);
                    else
                        RequestVector(message.Vector, message.LevelTriggered);
                    UpdatePending();
                }
                break;
            case ApicDeliveryMode.Nmi:
                _cpu.RaiseNmi();
                break;
            case ApicDeliveryMode.Init:
                _cpu.ReceiveInit();
                break;
            case ApicDeliveryMode.StartUp:
                _cpu.ReceiveStartup(message.Vector);
                break;
            // SMI and ExtINT messages: no SMM here, and the 8259 reaches LINT0 directly.
        }
    }

    /// <summary>Sets IRR (and TMR for a level-triggered vector); the lock is held.</summary>
    private void RequestVector(byte vector, bool levelTriggered)
    {
        SetBit(_irr, vector, true);
        SetBit(_tmr, vector, levelTriggered);
    }

    /// <summary>An error bit for the ESR; an unmasked LVT error entry raises its vector once per new error.</summary>
    private void RaiseError(uint bit)
    {
        bool fresh = (_esrPending & bit) == 0;
        _esrPending |= bit;
        if (fresh && (_lvtError & ApicBits.LvtMasked) == 0 && (byte)_lvtError >= 16)
            RequestVector((byte)_lvtError, false);
    }

    /// <summary>EOI: the highest in-service vector ends; returns it when level-triggered (to broadcast to the I/O APICs), else -1.</summary>
    private int EndOfInterrupt()
    {
        int vector = HighestVector(_isr);
        if (vector < 0)
            return -1;
        SetBit(_isr, vector, false);
        return GetBit(_tmr, vector) ? vector : -1;
    }

    /// <summary>PPR (SDM 11.8.3.1): the TPR, or the in-service class when that is higher.</summary>
    private uint ProcessorPriority()
    {
        int isrv = Math.Max(HighestVector(_isr), 0);
        return (_tpr >> 4) >= (uint)(isrv >> 4) ? _tpr : (uint)isrv & 0xF0;
    }

    /// <summary>The highest requested vector whose class is above the processor priority, or -1; the lock is held.</summary>
    private int DeliverableVector()
    {
        if ((_svr & ApicBits.SvrEnable) == 0)
            return -1;
        int vector = HighestVector(_irr);
        return vector >= 0 && (vector & 0xF0) > (ProcessorPriority() & 0xF0) ? vector : -1;
    }

    private void UpdatePending()
    {
        bool pending = DeliverableVector() >= 0;
        bool rose = pending && !_apicPending;
        _apicPending = pending;
        if (rose)
            _cpu.InterruptPending();
    }

    /// <summary>LINT0 in ExtINT mode, unmasked: the 8259's INTR reaches the CPU (virtual-wire mode).</summary>
    private bool PassesExtInt =>
        (_lvtLint0 & ApicBits.LvtMasked) == 0
        && (ApicDeliveryMode)((_lvtLint0 >> ApicBits.LvtDeliveryModeShift) & 7) == ApicDeliveryMode.ExtInt;

    /// <summary>INTR to the CPU: an APIC vector above the processor priority, or the 8259's INTR through LINT0.</summary>
    public bool HasPendingInterrupt =>
        _apicPending || (ExtIntSource is { HasPendingInterrupt: true } && PassesExtInt);

    /// <summary>
    /// The CPU's acknowledge: the highest deliverable vector moves from IRR to ISR; otherwise the
    /// 8259's own acknowledge cycle (LINT0 ExtINT); otherwise the spurious vector.
    /// </summary>
    public byte Acknowledge()
    {
        lock (_sync)
        {
            int vector = DeliverableVector();
            if (vector >= 0)
            {
                SetBit(_irr, vector, false);
                SetBit(_isr, vector, true);
                UpdatePending();
                return (byte)vector;
            }
            if (ExtIntSource is { HasPendingInterrupt: true } pic && PassesExtInt)
                return pic.Acknowledge();
            return (byte)_svr;
        }
    }

    /// <summary>The LINT0 and LINT1 pins: line 0 and 1. LINT1 in NMI mode raises NMI on a rising edge; fixed mode raises the vector.</summary>
    public void SetInput(int line, bool level)
    {
        lock (_sync)
        {
            ref bool pin = ref line == 0 ? ref _lint0Level : ref _lint1Level;
            bool rising = level && !pin;
            pin = level;
            uint lvt = line == 0 ? _lvtLint0 : _lvtLint1;
            if (!rising || (lvt & ApicBits.LvtMasked) != 0)
                return;
            switch ((ApicDeliveryMode)((lvt >> ApicBits.LvtDeliveryModeShift) & 7))
            {
                case ApicDeliveryMode.Nmi:
                    _cpu.RaiseNmi();
                    break;
                case ApicDeliveryMode.Fixed when (byte)lvt >= 16:
                    RequestVector((byte)lvt, false);
                    UpdatePending();
                    break;
            }
        }
    }

    private static int HighestVector(uint[] bits)
    {
        for (int word = VectorWords - 1; word >= 0; word--)
        {
            if (bits[word] != 0)
                return word * 32 + 31 - BitOperations.LeadingZeroCount(bits[word]);
        }
        return -1;
    }

    private static bool GetBit(uint[] bits, int vector) => (bits[vector >> 5] & (1u << (vector & 31))) != 0;

    private static void SetBit(uint[] bits, int vector, bool value)
    {
        if (value)
            bits[vector >> 5] |= 1u << (vector & 31);
        else
            bits[vector >> 5] &= ~(1u << (vector & 31));
    }

    public void Dispose() => _timer?.Dispose();
}
