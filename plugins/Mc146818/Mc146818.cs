using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Rtc;

/// <summary>
/// The MC146818A: a calendar that advances with the machine clock, periodic, alarm and
/// update-ended interrupts (flags in register C, read to clear), the update-in-progress window and
/// 128 bytes of CMOS. Bus accesses (vCPU thread) and the interrupt timer (clock thread) share the
/// state under one lock; the interrupt line is driven outside it, in order, under a second lock.
/// </summary>
public sealed class Mc146818 : IDisposable
{
    /// <summary>UIP is set this long before each update (tBUC, 244 µs with the 32.768 kHz time base).</summary>
    public const long UpdateInProgressNanoseconds = 244_000;

    private const long Second = 1_000_000_000;

    private readonly object _lock = new();
    private readonly object _lineLock = new();
    private readonly IClock _clock;
    private readonly IInterruptLine _irq;
    private readonly IDeviceTimer _timer;
    private bool _lineLevel;

    public Mc146818(IClock clock, IInterruptLine irq, DateTime powerOnTime, ReadOnlySpan<byte> cmosDefaults)
    {
        _clock = clock;
        _irq = irq;
        _timer = clock.CreateTimer(OnTimer);
        State = new RtcState { TimeAtAnchor = powerOnTime, AnchorNanoseconds = clock.NowNanoseconds, FlagsCheckedNanoseconds = clock.NowNanoseconds };
        cmosDefaults.CopyTo(State.Cmos);
        State.Cmos[RtcRegister.A] = RegisterA.PowerOn;
        State.Cmos[RtcRegister.B] = RegisterB.PowerOn;
        State.Cmos[RtcRegister.D] = RegisterD.ValidRamAndTime;
        State.Cmos[CmosField.Century] = CalendarEncoding.Read(CmosField.Century, powerOnTime, 0);
    }

    public RtcState State { get; }

    /// <summary>The calendar time now, as the chip counts it.</summary>
    public DateTime Now
    {
        get
        {
            lock (_lock)
                return TimeAt(_clock.NowNanoseconds);
        }
    }

    /// <summary>The RESET pin: interrupt enables and flags clear; time and RAM are battery-backed and stay.</summary>
    public void Reset()
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                State.Cmos[RtcRegister.B] &= unchecked((byte)~RegisterB.ClearedByReset);
                State.Flags = 0;
                State.Index = 0;
                State.NmiDisabled = false;
            }
            Update();
        }
    }

    public byte Read(int port)
    {
        if (port == RtcPort.Index)
            return 0xff; // the index register is write only
        lock (_lineLock)
        {
            byte value;
            lock (_lock)
                value = ReadRegister(State.Index, _clock.NowNanoseconds);
            Update();
            return value;
        }
    }

    public void Write(int port, byte value)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                if (port == RtcPort.Index)
                {
                    State.Index = (byte)(value & RtcPort.IndexMask);
                    State.NmiDisabled = (value & RtcPort.NmiDisable) != 0;
                    return;
                }
                WriteRegister(State.Index, value, _clock.NowNanoseconds);
            }
            Update();
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Writes CMOS, the index, flags, the calendar's anchor, the line level and the timer's deadline (state version 1).</summary>
    public void SaveState(IStateWriter w)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                w.WriteBytes(State.Cmos);
                w.WriteByte(State.Index);
                w.WriteBool(State.NmiDisabled);
                w.WriteByte(State.Flags);
                w.WriteInt64(State.TimeAtAnchor.Ticks);
                w.WriteInt64(State.AnchorNanoseconds);
                w.WriteBool(State.Frozen);
                w.WriteInt64(State.FlagsCheckedNanoseconds);
            }
            w.WriteBool(_lineLevel);
            w.WriteBool(_timer.IsArmed);
            w.WriteInt64(_timer.IsArmed ? _timer.Deadline : 0);
        }
    }

    /// <summary>Takes what <see cref="SaveState"/> wrote: the calendar continues from its saved anchor, not from the host's time.</summary>
    public void LoadState(IStateReader r)
    {
        lock (_lineLock)
        {
            lock (_lock)
            {
                r.ReadBytes(State.Cmos);
                State.Index = r.ReadByte();
                State.NmiDisabled = r.ReadBool();
                State.Flags = r.ReadByte();
                State.TimeAtAnchor = new DateTime(r.ReadInt64(), DateTimeKind.Utc);
                State.AnchorNanoseconds = r.ReadInt64();
                State.Frozen = r.ReadBool();
                State.FlagsCheckedNanoseconds = r.ReadInt64();
            }
            _lineLevel = r.ReadBool();
            bool armed = r.ReadBool();
            long deadline = r.ReadInt64();
            _irq.Set(_lineLevel);
            if (armed)
                _timer.Arm(deadline);
            else
                _timer.Cancel();
        }
    }

    private bool Frozen(byte a, byte b)
        => (b & RegisterB.Set) != 0 || (a & RegisterA.DividerMask) != RegisterA.Divider32Khz;

    private DateTime TimeAt(long now)
        => State.Frozen ? State.TimeAtAnchor : State.TimeAtAnchor.AddSeconds((now - State.AnchorNanoseconds) / Second);

    /// <summary>The periodic interrupt period, or 0 when RS is 0 or the time base is not 32.768 kHz.</summary>
    private long PeriodicNanoseconds()
    {
        int rate = State.Cmos[RtcRegister.A] & RegisterA.RateMask;
        if (rate == 0 || (State.Cmos[RtcRegister.A] & RegisterA.DividerMask) != RegisterA.Divider32Khz)
            return 0;
        if (rate < 3)
            rate += 7; // RS 1 and 2 give 256 and 128 Hz with a 32.768 kHz base
        return Second * (1L << rate) / 65536;
    }

    private byte ReadRegister(int index, long now)
    {
        CatchUp(now);
        var cmos = State.Cmos;
        switch (index)
        {
            case RtcRegister.Seconds or RtcRegister.Minutes or RtcRegister.Hours or RtcRegister.DayOfWeek
                or RtcRegister.DayOfMonth or RtcRegister.Month or RtcRegister.Year:
                return CalendarEncoding.Read(index, TimeAt(now), cmos[RtcRegister.B]);
            case RtcRegister.A:
                bool uip = !State.Frozen && (now - State.AnchorNanoseconds) % Second >= Second - UpdateInProgressNanoseconds;
                return (byte)(cmos[RtcRegister.A] | (uip ? RegisterA.UpdateInProgress : 0));
            case RtcRegister.C:
                byte flags = State.Flags;
                State.Flags = 0;
                return flags;
            default:
                return cmos[index];
        }
    }

    private void WriteRegister(int index, byte value, long now)
    {
        CatchUp(now);
        var cmos = State.Cmos;
        switch (index)
        {
            case RtcRegister.Seconds or RtcRegister.Minutes or RtcRegister.Hours or RtcRegister.DayOfMonth
                or RtcRegister.Month or RtcRegister.Year or CmosField.Century:
                // Keep the divider phase: move the calendar by the change the guest made.
                DateTime current = TimeAt(now);
                DateTime written = CalendarEncoding.Write(index, value, current, cmos[RtcRegister.B]);
                State.TimeAtAnchor += written - current;
                if (index == CmosField.Century)
                    cmos[index] = value;
                break;
            case RtcRegister.DayOfWeek:
                break;
            case RtcRegister.A:
                cmos[index] = (byte)(value & ~RegisterA.UpdateInProgress);
                SetFrozen(now);
                break;
            case RtcRegister.B:
                if ((value & RegisterB.Set) != 0)
                    value &= unchecked((byte)~RegisterB.UpdateEndedInterruptEnable); // SET clears UIE
                cmos[index] = value;
                SetFrozen(now);
                break;
            case RtcRegister.C or RtcRegister.D:
                break; // read only
            default:
                cmos[index] = value;
                break;
        }
    }

    // SET or a divider reset holds the calendar; releasing it restarts the divider chain, so the
    // next update comes one second later.
    private void SetFrozen(long now)
    {
        bool frozen = Frozen(State.Cmos[RtcRegister.A], State.Cmos[RtcRegister.B]);
        if (frozen == State.Frozen)
            return;
        State.TimeAtAnchor = TimeAt(now);
        State.AnchorNanoseconds = now;
        State.Frozen = frozen;
        State.FlagsCheckedNanoseconds = now;
    }

    /// <summary>Folds the periodic, update-ended and alarm events since the last check into register C.</summary>
    private void CatchUp(long now)
    {
        long last = State.FlagsCheckedNanoseconds;
        if (now <= last)
            return;
        long anchor = State.AnchorNanoseconds;
        long period = PeriodicNanoseconds();
        if (period > 0 && Boundaries(last, now, anchor, period))
            State.Flags |= RegisterC.Periodic;
        if (!State.Frozen && Boundaries(last, now, anchor, Second))
        {
            State.Flags |= RegisterC.UpdateEnded;
            if (AlarmMatches(TimeAt(now)))
                State.Flags |= RegisterC.Alarm;
        }
        State.FlagsCheckedNanoseconds = now;
    }

    private static bool Boundaries(long from, long to, long anchor, long period)
        => Math.Floor((double)(to - anchor) / period) > Math.Floor((double)(from - anchor) / period);

    private bool AlarmMatches(DateTime time)
    {
        byte b = State.Cmos[RtcRegister.B];
        return Matches(RtcRegister.SecondsAlarm, RtcRegister.Seconds) && Matches(RtcRegister.MinutesAlarm, RtcRegister.Minutes)
            && Matches(RtcRegister.HoursAlarm, RtcRegister.Hours);

        bool Matches(int alarm, int register)
        {
            byte wanted = State.Cmos[alarm];
            return (wanted & HourFormat.AlarmDontCare) == HourFormat.AlarmDontCare || wanted == CalendarEncoding.Read(register, time, b);
        }
    }

    private byte EnabledFlags()
    {
        byte enables = (byte)(State.Cmos[RtcRegister.B] & (RegisterB.PeriodicInterruptEnable | RegisterB.AlarmInterruptEnable | RegisterB.UpdateEndedInterruptEnable));
        return (byte)(State.Flags & enables); // the enable bits sit at the same positions as the flags
    }

    private void OnTimer()
    {
        lock (_lineLock)
            Update();
    }

    // Recomputes IRQF and the line, and arms the timer for the next enabled event. Called with
    // _lineLock held.
    private void Update()
    {
        bool level;
        long? deadline = null;
        lock (_lock)
        {
            long now = _clock.NowNanoseconds;
            CatchUp(now);
            level = EnabledFlags() != 0;
            State.Flags = level ? (byte)(State.Flags | RegisterC.InterruptRequest) : (byte)(State.Flags & ~RegisterC.InterruptRequest);
            byte b = State.Cmos[RtcRegister.B];
            long period = PeriodicNanoseconds();
            if ((b & RegisterB.PeriodicInterruptEnable) != 0 && period > 0)
                deadline = NextBoundary(now, State.AnchorNanoseconds, period);
            if ((b & (RegisterB.AlarmInterruptEnable | RegisterB.UpdateEndedInterruptEnable)) != 0 && !State.Frozen)
                deadline = Math.Min(deadline ?? long.MaxValue, NextBoundary(now, State.AnchorNanoseconds, Second));
        }
        if (level != _lineLevel)
            _irq.Set(level);
        _lineLevel = level;
        if (deadline is { } at)
            _timer.Arm(at);
        else
            _timer.Cancel();
    }

    private static long NextBoundary(long now, long anchor, long period)
    {
        long elapsed = now - anchor;
        long k = elapsed >= 0 ? elapsed / period + 1 : 0;
        return anchor + k * period;
    }
}
