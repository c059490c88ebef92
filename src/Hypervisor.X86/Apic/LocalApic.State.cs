using Hypervisor.Abstractions;

namespace Hypervisor.X86.Apic;

/// <summary>
/// The local APIC in a snapshot: every register the guest reads or that decides delivery (ID, TPR,
/// LDR, DFR, SVR, ESR and the errors pending for it, ICR, the LVT, the LINT pin levels, ISR, TMR,
/// IRR) and the timer by its count start and armed deadline on the machine clock.
/// </summary>
internal sealed partial class LocalApic
{
    public void SaveState(IStateWriter w)
    {
        lock (_sync)
        {
            foreach (uint value in (uint[])[_id, _tpr, _ldr, _dfr, _svr, _esr, _esrPending, _icrLow, _icrHigh,
                         _lvtTimer, _lvtThermal, _lvtPerformance, _lvtLint0, _lvtLint1, _lvtError])
                w.WriteUInt32(value);
            w.WriteBool(_lint0Level);
            w.WriteBool(_lint1Level);
            foreach (var bits in (uint[][])[_isr, _tmr, _irr])
                foreach (uint word in bits)
                    w.WriteUInt32(word);
            w.WriteUInt32(_timerInitial);
            w.WriteUInt32(_timerDivide);
            w.WriteInt32(_timerShift);
            w.WriteInt64(_timerStart);
            bool armed = _timer?.IsArmed == true;
            w.WriteBool(armed);
            w.WriteInt64(armed ? _timer!.Deadline : 0);
        }
    }

    /// <summary>Takes what <see cref="SaveState"/> wrote (the machine clock already restored): re-arms the timer, recomputes INTR.</summary>
    public void LoadState(IStateReader r)
    {
        lock (_sync)
        {
            _id = r.ReadUInt32(); _tpr = r.ReadUInt32(); _ldr = r.ReadUInt32(); _dfr = r.ReadUInt32();
            _svr = r.ReadUInt32(); _esr = r.ReadUInt32(); _esrPending = r.ReadUInt32();
            _icrLow = r.ReadUInt32(); _icrHigh = r.ReadUInt32();
            _lvtTimer = r.ReadUInt32(); _lvtThermal = r.ReadUInt32(); _lvtPerformance = r.ReadUInt32();
            _lvtLint0 = r.ReadUInt32(); _lvtLint1 = r.ReadUInt32(); _lvtError = r.ReadUInt32();
            _lint0Level = r.ReadBool();
            _lint1Level = r.ReadBool();
            foreach (var bits in (uint[][])[_isr, _tmr, _irr])
                for (int i = 0; i < bits.Length; i++)
                    bits[i] = r.ReadUInt32();
            _timerInitial = r.ReadUInt32();
            _timerDivide = r.ReadUInt32();
            _timerShift = r.ReadInt32();
            if (_timerShift is < 0 or > 7)
                throw new StateFormatException($"local APIC {InitialId}: timer divider shift {_timerShift} is not 0-7");
            _timerStart = r.ReadInt64();
            bool armed = r.ReadBool();
            long deadline = r.ReadInt64();
            _timer?.Cancel();
            if (armed)
                _timer?.Arm(deadline);
            _apicPending = false;
            UpdatePending();
        }
    }
}
