using Hypervisor.Abstractions;

namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// The ACPI fixed hardware of the PIIX4 power-management I/O block (64 ports, offsets from its base):
/// PM1 status/enable (power button, timer overflow), PM1 control (SCI_EN, and SLP_EN with SLP_TYP =
/// S5 to power off) and the free-running 24-bit PM timer at 3.579545 MHz, which Linux uses as its
/// clock reference. Writing S5 stops the machine with exit code 0, as QEMU's power-off does. The SCI
/// is a level on the owner's interrupt line while an enabled status bit is set. Both devices of this
/// plugin answer with it: <c>acpi-pm</c> at a fixed base, <c>piix4-pm</c> wherever the guest puts PMBA
/// (QEMU's hw/acpi/core.c, which hw/acpi/piix4.c uses, is the same split).
/// </summary>
public sealed class PmBlock : IPortDevice
{
    /// <summary>The PM timer's rate in Hz (ACPI: 3.579545 MHz).</summary>
    public const long TimerHz = 3_579_545;
    private const uint TimerMask = 0xff_ffff;
    private const uint TimerOverflowBit = 1u << 23;

    private readonly object _lock = new();
    private readonly DeviceContext _context;
    private readonly IDeviceTimer _overflow;
    private Pm1Events _status, _enable;
    private ushort _control;
    private long _lastTimerStatusCheck;

    /// <summary>A block on <paramref name="context"/>'s clock, interrupt line (the SCI), VM control and logger.</summary>
    public PmBlock(DeviceContext context)
    {
        _context = context;
        _overflow = context.Clock.CreateTimer(OnTimerOverflow);
        Reset();
    }

    public int PortCount => PmRegisters.BlockSize;

    /// <summary>The PM timer's count now: machine nanoseconds at 3.579545 MHz, 24 bits.</summary>
    public uint TimerValue => (uint)TimerTicks(_context.Clock.NowNanoseconds) & TimerMask;

    private static long TimerTicks(long nanoseconds) => (long)((Int128)nanoseconds * TimerHz / 1_000_000_000);

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
        {
            // Registers are 16 bits (the timer 32); a byte or word read takes the addressed part.
            uint value = offset switch
            {
                >= PmRegisters.Pm1Status and < PmRegisters.Pm1Enable => (uint)CurrentStatus() | ((uint)_enable << 16),
                >= PmRegisters.Pm1Enable and < PmRegisters.Pm1Control => (uint)_enable,
                >= PmRegisters.Pm1Control and < PmRegisters.Pm1Control + 2 => _control,
                >= PmRegisters.PmTimer and < PmRegisters.PmTimer + 4 => TimerValue,
                _ => 0,
            };
            int shift = 8 * (offset - RegisterStart(offset));
            value >>= shift;
            return size switch { 1 => value & 0xff, 2 => value & 0xffff, _ => value };
        }
    }

    public void Write(ushort offset, int size, uint value)
    {
        int shift = 8 * (offset - RegisterStart(offset));
        uint mask = (size switch { 1 => 0xffu, 2 => 0xffffu, _ => 0xffff_ffffu }) << shift;
        value <<= shift;
        bool powerOff = false;
        lock (_lock)
        {
            switch (RegisterStart(offset))
            {
                case PmRegisters.Pm1Status:
                    CurrentStatus();
                    _status &= ~(Pm1Events)(value & mask & 0xffff); // write 1 to clear
                    if (size == 4 && offset == PmRegisters.Pm1Status)
                        _enable = (Pm1Events)(value >> 16) & Pm1Events.Enables;
                    break;
                case PmRegisters.Pm1Enable:
                    _enable = (Pm1Events)(((uint)_enable & ~mask) | (value & mask)) & Pm1Events.Enables;
                    break;
                case PmRegisters.Pm1Control:
                    uint control = ((uint)_control & ~mask) | (value & mask);
                    _control = (ushort)(control & ~Pm1Control.SleepEnable);
                    int sleepType = (int)(control & Pm1Control.SleepTypeMask) >> Pm1Control.SleepTypeShift;
                    powerOff = (control & Pm1Control.SleepEnable) != 0 && sleepType == Pm1Control.SoftOffType;
                    if ((control & Pm1Control.SleepEnable) != 0 && !powerOff)
                        _context.Logger.Warning("The guest asked for sleep type {Type}; only S5 (type {SoftOff}) is implemented", sleepType, Pm1Control.SoftOffType);
                    break;
                default:
                    return; // the PM timer is read-only; the rest of the block is not decoded
            }
            UpdateSci();
        }
        if (powerOff)
            _context.Vm.RequestStop(0, "the guest powered off (ACPI S5)");
    }

    /// <summary>Presses the power button: PWRBTN_STS, and the SCI if the guest enabled it.</summary>
    public void PressPowerButton()
    {
        lock (_lock)
        {
            _status |= Pm1Events.PowerButton;
            UpdateSci();
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _status = Pm1Events.None;
            _enable = Pm1Events.None;
            // SCI_EN set: the machine starts in ACPI mode, so the FADT needs no SMI_CMD handshake.
            _control = Pm1Control.SciEnable;
            _lastTimerStatusCheck = _context.Clock.NowNanoseconds;
            _overflow.Cancel();
            UpdateSci();
        }
    }

    public void Dispose() => _overflow.Dispose();

    /// <summary>PM1 status, enable and control, and the last look at the timer (state version 1); the timer value is the machine clock's.</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt16((ushort)_status);
            writer.WriteUInt16((ushort)_enable);
            writer.WriteUInt16(_control);
            writer.WriteInt64(_lastTimerStatusCheck);
        }
    }

    /// <summary>Takes saved registers; the SCI and the overflow deadline follow them.</summary>
    public void LoadState(IStateReader reader)
    {
        lock (_lock)
        {
            _status = (Pm1Events)reader.ReadUInt16();
            _enable = (Pm1Events)reader.ReadUInt16();
            _control = reader.ReadUInt16();
            _lastTimerStatusCheck = reader.ReadInt64();
            UpdateSci();
        }
    }

    private static ushort RegisterStart(ushort offset) => offset switch
    {
        < PmRegisters.Pm1Enable => PmRegisters.Pm1Status,
        < PmRegisters.Pm1Control => PmRegisters.Pm1Enable,
        < PmRegisters.PmTimer => PmRegisters.Pm1Control,
        < PmRegisters.PmTimer + 4 => PmRegisters.PmTimer,
        _ => offset,
    };

    /// <summary>The status bits with TMR_STS brought up to date: set when bit 23 of the timer changed since the last look.</summary>
    private Pm1Events CurrentStatus()
    {
        long now = _context.Clock.NowNanoseconds;
        if (TimerTicks(now) / TimerOverflowBit != TimerTicks(_lastTimerStatusCheck) / TimerOverflowBit)
            _status |= Pm1Events.Timer;
        _lastTimerStatusCheck = now;
        return _status;
    }

    private void OnTimerOverflow()
    {
        lock (_lock)
            UpdateSci();
    }

    /// <summary>The SCI follows (status AND enable); an enabled timer keeps a deadline at its next bit-23 change.</summary>
    private void UpdateSci()
    {
        var pending = CurrentStatus() & _enable;
        _context.Irq.Set(pending != 0 && (_control & Pm1Control.SciEnable) != 0);
        if ((_enable & Pm1Events.Timer) != 0 && (_status & Pm1Events.Timer) == 0)
        {
            long now = _context.Clock.NowNanoseconds;
            long nextTick = (TimerTicks(now) / TimerOverflowBit + 1) * TimerOverflowBit;
            _overflow.Arm((long)((Int128)nextTick * 1_000_000_000 / TimerHz) + 1);
        }
        else
            _overflow.Cancel();
    }
}
