using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Serial;

/// <summary>
/// The 16550A on the I/O port bus: eight byte-wide registers from the entry's base port, its
/// interrupt on the entry's line, its wire on a host backend. Wider accesses are split into
/// byte accesses at consecutive registers, as an 8-bit ISA device sees them.
/// </summary>
[Device("uart16550", Port = 0x3f8, Irq = 4, Description = "16550A UART with 16-byte FIFOs (default COM1: 0x3f8, irq 4; COM2: \"ports\": \"0x2f8\", \"irq\": 3; COM3 0x3e8/4, COM4 0x2e8/3)")]
[DeviceOption("backend", "host side of the serial line: stdio, null, file:PATH, tcp:127.0.0.1:PORT[,wait|nowait], unix:PATH", Default = "stdio")]
public sealed class Uart16550Device : IPortDevice, IDeviceState
{
    private readonly ICharBackend _backend;
    private readonly Uart16550 _uart;
    private readonly Func<int, byte> _readRegister;
    private readonly Action<int, byte> _writeRegister;
    private readonly IClock _clock;
    private readonly IDeviceTimer _timeoutTimer;
    private readonly object _timerLock = new();
    private long _scheduledDeadline = -1;
    private bool _disposed;

    public Uart16550Device(DeviceContext context)
    {
        _clock = context.Clock;
        _backend = context.OpenBackend("backend", "stdio");
        _uart = new Uart16550(_backend, context.Irq, context.Clock);
        _readRegister = _uart.Read;
        _writeRegister = _uart.Write;
        _timeoutTimer = context.Clock.CreateTimer(OnTimeoutTimer);
        _backend.InputAvailable += OnInputAvailable;
        // Input may already be waiting (a file, a connected socket).
        OnInputAvailable();
    }

    /// <summary>The register model, for tests that inspect state.</summary>
    public Uart16550 Uart => _uart;

    public int PortCount => UartRegister.Count;

    public uint Read(ushort offset, int size)
    {
        uint value = ByteRegisterPorts.Read(offset, size, UartRegister.Count, _readRegister);
        ScheduleTimeoutCheck();
        return value;
    }

    public void Write(ushort offset, int size, uint value)
    {
        ByteRegisterPorts.Write(offset, size, value, UartRegister.Count, _writeRegister);
        ScheduleTimeoutCheck();
    }

    public void Reset()
    {
        _uart.Reset();
        ScheduleTimeoutCheck();
    }

    public void Flush() => _uart.Flush();

    public int StateVersion => UartStateFormat.Version;

    public void SaveState(IStateWriter writer) => _uart.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        _uart.LoadState(reader, version);
        ScheduleTimeoutCheck();
    }

    public void Dispose()
    {
        _backend.InputAvailable -= OnInputAvailable;
        lock (_timerLock)
            _disposed = true;
        _timeoutTimer.Dispose(); // outside the lock: it may wait for a running callback that takes it

        _uart.Flush();
        _backend.Dispose();
    }

    private void OnInputAvailable()
    {
        _uart.OnInputAvailable();
        ScheduleTimeoutCheck();
    }

    private void OnTimeoutTimer()
    {
        _uart.Poll(); // indicates the timeout and raises the line if nothing moved the deadline
        ScheduleTimeoutCheck();
    }

    // The character timeout is a time-driven interrupt: while it is armed, a timer on the machine's
    // clock wakes the model at its deadline, so a guest waiting in HLT still gets it.
    private void ScheduleTimeoutCheck()
    {
        long deadline = _uart.ReceiveTimeoutDeadline;
        if (deadline == Volatile.Read(ref _scheduledDeadline))
            return;
        lock (_timerLock)
        {
            if (_disposed || deadline == _scheduledDeadline)
                return;
            _scheduledDeadline = deadline;
            if (deadline < 0)
                _timeoutTimer.Cancel();
            else
                _timeoutTimer.Arm(deadline);
        }
    }
}
