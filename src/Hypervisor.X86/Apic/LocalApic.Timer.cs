using Hypervisor.Abstractions;

namespace Hypervisor.X86.Apic;

/// <summary>
/// The local APIC timer (SDM Vol. 3, 11.5.4): one-shot or periodic, counting down from the initial
/// count at the machine clock's nanosecond rate divided by the divide configuration (QEMU counts the
/// same 1 GHz bus clock). The machine clock fires it, so it follows host time or, under the
/// deterministic clock, executed instructions. TSC-deadline mode is not advertised.
/// </summary>
internal sealed partial class LocalApic
{
    private readonly IClock? _clock;
    private readonly IDeviceTimer? _timer;
    private uint _timerInitial;
    private uint _timerDivide;
    /// <summary>log2 of the divider: 0 for divide by 1 up to 7 for divide by 128.</summary>
    private int _timerShift;
    /// <summary>When the current count was last loaded with the initial count (a period start), in clock nanoseconds.</summary>
    private long _timerStart;

    private bool TimerPeriodic => ((_lvtTimer >> ApicBits.LvtTimerModeShift) & 3) == ApicBits.LvtTimerPeriodic;

    private long Now => _clock?.NowNanoseconds ?? 0;

    private void ResetTimer()
    {
        _timerInitial = 0;
        _timerDivide = 0;
        _timerShift = 1; // divide configuration 0: divide by 2
        _timer?.Cancel();
    }

    /// <summary>Divide configuration bits 0, 1 and 3: 0b111 divides by 1, value v otherwise by 2^(v+1).</summary>
    private void SetTimerDivide(uint value)
    {
        uint remaining = TimerCurrentCount();
        _timerDivide = value & 0xB;
        uint v = (value & 3) | ((value >> 1) & 4);
        _timerShift = (int)((v + 1) & 7);
        // The count continues from where it is at the new rate.
        if (_timerInitial != 0 && remaining != 0)
        {
            long now = Now;
            _timerStart = now - ((long)(_timerInitial - remaining) << _timerShift);
            _timer?.Arm(now + ((long)remaining << _timerShift));
        }
    }

    /// <summary>Writing the initial count restarts the count; 0 stops the timer.</summary>
    private void StartTimer(uint initial)
    {
        _timerInitial = initial;
        _timerStart = Now;
        if (initial == 0)
            _timer?.Cancel();
        else
            _timer?.Arm(_timerStart + ((long)initial << _timerShift));
    }

    /// <summary>A mode change keeps the running count; a stopped one-shot stays stopped.</summary>
    private void TimerModeChanged()
    {
        if (_timerInitial != 0 && TimerCurrentCount() != 0)
            _timer?.Arm(_timerStart + (((long)_timerInitial) << _timerShift) * (1 + ElapsedPeriods()));
    }

    private long ElapsedPeriods()
    {
        long period = (long)_timerInitial << _timerShift;
        return period == 0 ? 0 : Math.Max(0, Now - _timerStart) / period;
    }

    private uint TimerCurrentCount()
    {
        if (_timerInitial == 0)
            return 0;
        ulong ticks = (ulong)Math.Max(0, Now - _timerStart) >> _timerShift;
        if (TimerPeriodic)
            return _timerInitial - (uint)(ticks % _timerInitial);
        return ticks >= _timerInitial ? 0 : _timerInitial - (uint)ticks;
    }

    /// <summary>The count reached 0: the timer vector is requested (unless masked); a periodic timer reloads.</summary>
    private void TimerExpired()
    {
        bool raised = false;
        lock (_sync)
        {
            if (_timerInitial == 0)
                return;
            long period = (long)_timerInitial << _timerShift;
            if ((_lvtTimer & ApicBits.LvtMasked) == 0 && (byte)_lvtTimer >= 16)
            {
                RequestVector((byte)_lvtTimer, false);
                raised = true;
            }
            if (TimerPeriodic)
            {
                // Next period boundary after now (periods missed while the host was busy collapse into one interrupt).
                long now = Now;
                long periods = Math.Max(1, (now - _timerStart) / period);
                _timerStart += periods * period;
                _timer?.Arm(_timerStart + period);
            }
            UpdatePending();
        }
        if (raised)
            _bus.Wake();
    }
}
