using Hypervisor.Abstractions;
using Serilog;
using static MiniVmm.Devices.Edu.EduRegisters;

namespace MiniVmm.Devices.Edu;

/// <summary>
/// The edu device's register window behind BAR 0 (QEMU docs/specs/edu.rst, hw/misc/edu.c):
/// identification, the liveness inverter, factorial, the interrupt raise/acknowledge pair and a
/// DMA engine between guest RAM and a 4 KiB buffer. As under QEMU: offsets below 0x80 take dword
/// accesses only, the DMA registers dwords or qwords; a byte or word access reads 0 (QEMU's memory
/// core refuses it as unassigned), a qword below 0x80 or an offset without a register reads all
/// ones; refused writes are dropped. DMA needs the command register's bus master enable.
/// <para>
/// Differences from QEMU, none visible to a guest that follows the spec: the factorial is computed
/// at once (QEMU uses a thread; a guest polls the status bit either way), and a DMA transfer
/// outside the buffer is refused and logged instead of overrunning it.
/// </para>
/// Threads: bus accesses come from vCPU threads, the DMA completion from the clock's thread; one
/// lock guards the state. The interrupt line is driven under that lock so its edges follow the
/// status in order (the line's receiver never calls back into this device).
/// </summary>
public sealed class Edu : IMmioDevice
{
    private readonly object _lock = new();
    private readonly EduState _state = new();
    private readonly IGuestMemory _memory;
    private readonly IInterruptLine _irq;
    private readonly ILogger _logger;
    private readonly IClock _clock;
    private readonly IDeviceTimer _dmaTimer;
    private readonly ulong _dmaMask;
    private readonly long _dmaDelayNs;
    private readonly Func<bool> _busMaster;

    /// <param name="memory">Guest memory the DMA engine reads and writes.</param>
    /// <param name="irq">The function's interrupt line (INTx or MSI).</param>
    /// <param name="clock">The machine clock (the factorial and DMA delays run on it).</param>
    /// <param name="logger">The device's logger.</param>
    /// <param name="dmaMask">Bits of a DMA address the device drives (QEMU: 28, 256 MiB).</param>
    /// <param name="dmaDelayNs">Machine time from starting a transfer to its completion (QEMU: 100 ms).</param>
    /// <param name="busMaster">Whether the function may master the bus now (the command register's bit 2).</param>
    public Edu(IGuestMemory memory, IInterruptLine irq, IClock clock, ILogger logger, ulong dmaMask, long dmaDelayNs, Func<bool> busMaster)
    {
        _busMaster = busMaster;
        _memory = memory;
        _irq = irq;
        _clock = clock;
        _logger = logger;
        _dmaMask = dmaMask;
        _dmaDelayNs = dmaDelayNs;
        _dmaTimer = clock.CreateTimer(CompleteDma);
    }

    public ulong MmioSize => BarSize;

    public ulong Read(ulong offset, int size)
    {
        if (size < 4)
            return 0; // QEMU's memory core refuses the access (valid sizes 4-8) and reads 0
        ulong value = ulong.MaxValue;
        if (Accepts(offset, size))
        {
            lock (_lock)
            {
                value = offset switch
                {
                    Identification => IdentificationValue,
                    Liveness => _state.Liveness,
                    Factorial => _state.Factorial,
                    Status => _state.Status,
                    InterruptStatus => _state.InterruptStatus,
                    DmaSource => _state.DmaSource,
                    DmaDestination => _state.DmaDestination,
                    DmaCount => _state.DmaCount,
                    DmaCommand => _state.DmaCommand,
                    _ => ulong.MaxValue,
                };
            }
        }
        return size == 8 ? value : value & ((1UL << (8 * size)) - 1);
    }

    public void Write(ulong offset, int size, ulong value)
    {
        if (!Accepts(offset, size))
            return;
        lock (_lock)
        {
            switch (offset)
            {
                case Liveness:
                    _state.Liveness = ~(uint)value;
                    break;
                case Factorial:
                    StartFactorial((uint)value);
                    break;
                case Status:
                    _state.Status = (_state.Status & ~EduStatus.InterruptOnFactorial) | ((uint)value & EduStatus.InterruptOnFactorial);
                    break;
                case InterruptRaise:
                    RaiseUnlocked((uint)value);
                    break;
                case InterruptAcknowledge:
                    _state.InterruptStatus &= ~(uint)value;
                    if (_state.InterruptStatus == 0)
                        _irq.Lower();
                    break;
                case DmaSource when !DmaRunning:
                    _state.DmaSource = value;
                    break;
                case DmaDestination when !DmaRunning:
                    _state.DmaDestination = value;
                    break;
                case DmaCount when !DmaRunning:
                    _state.DmaCount = value;
                    break;
                case DmaCommand when !DmaRunning && (value & EduDmaCommand.Run) != 0:
                    _state.DmaCommand = value;
                    _dmaTimer.Arm(_clock.NowNanoseconds + _dmaDelayNs);
                    break;
            }
        }
    }

    /// <summary>Power-on: every register and the buffer zero, no transfer pending, the line low.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _dmaTimer.Cancel();
            _state.Clear();
            _irq.Lower();
        }
    }

    /// <summary>Writes the registers, the DMA buffer and a running transfer's completion deadline.</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt32(_state.Liveness);
            writer.WriteUInt32(_state.Factorial);
            writer.WriteUInt32(_state.Status);
            writer.WriteUInt32(_state.InterruptStatus);
            writer.WriteUInt64(_state.DmaSource);
            writer.WriteUInt64(_state.DmaDestination);
            writer.WriteUInt64(_state.DmaCount);
            writer.WriteUInt64(_state.DmaCommand);
            writer.WriteBytes(_state.DmaBuffer);
            writer.WriteBool(_dmaTimer.IsArmed);
            writer.WriteInt64(_dmaTimer.IsArmed ? _dmaTimer.Deadline : 0);
        }
    }

    /// <summary>Takes what <see cref="SaveState"/> wrote: re-arms a running transfer at its deadline, drives the line.</summary>
    public void LoadState(IStateReader reader)
    {
        lock (_lock)
        {
            _state.Liveness = reader.ReadUInt32();
            _state.Factorial = reader.ReadUInt32();
            _state.Status = reader.ReadUInt32();
            _state.InterruptStatus = reader.ReadUInt32();
            _state.DmaSource = reader.ReadUInt64();
            _state.DmaDestination = reader.ReadUInt64();
            _state.DmaCount = reader.ReadUInt64();
            _state.DmaCommand = reader.ReadUInt64();
            reader.ReadBytes(_state.DmaBuffer);
            bool armed = reader.ReadBool();
            long deadline = reader.ReadInt64();
            _dmaTimer.Cancel();
            if (armed)
                _dmaTimer.Arm(deadline);
            if (_state.InterruptStatus != 0)
                _irq.Raise();
            else
                _irq.Lower();
        }
    }

    public void Dispose() => _dmaTimer.Dispose();

    private bool DmaRunning => (_state.DmaCommand & EduDmaCommand.Run) != 0;

    private static bool Accepts(ulong offset, int size) => offset < QwordRegistersStart ? size == 4 : size is 4 or 8;

    // QEMU ignores a new value while a factorial is being computed; here none ever is for long.
    private void StartFactorial(uint n)
    {
        if ((_state.Status & EduStatus.Computing) != 0)
            return;
        uint result = 1;
        for (uint i = n; i > 0; i--)
            result *= i; // wraps at 32 bits, as QEMU's uint32_t does
        _state.Factorial = result;
        if ((_state.Status & EduStatus.InterruptOnFactorial) != 0)
            RaiseUnlocked(FactorialInterrupt);
    }

    private void RaiseUnlocked(uint bits)
    {
        _state.InterruptStatus |= bits;
        if (_state.InterruptStatus != 0)
            _irq.Raise();
    }

    private void CompleteDma()
    {
        lock (_lock)
        {
            if (!DmaRunning)
                return;
            bool toRam = (_state.DmaCommand & EduDmaCommand.ToRam) != 0;
            ulong bufferAddress = toRam ? _state.DmaSource : _state.DmaDestination;
            ulong ramAddress = (toRam ? _state.DmaDestination : _state.DmaSource) & _dmaMask;
            ulong count = _state.DmaCount;
            if (bufferAddress < DmaBufferStart || count > DmaBufferSize || bufferAddress - DmaBufferStart > (ulong)DmaBufferSize - count)
            {
                _logger.Warning("DMA of {Count} bytes at buffer address 0x{Address:x} leaves the buffer 0x{Start:x}-0x{End:x}; not transferred",
                    count, bufferAddress, DmaBufferStart, DmaBufferStart + DmaBufferSize - 1);
            }
            else
            {
                Transfer(toRam, ramAddress, _state.DmaBuffer.AsSpan((int)(bufferAddress - DmaBufferStart), (int)count));
            }
            _state.DmaCommand &= ~EduDmaCommand.Run;
            if ((_state.DmaCommand & EduDmaCommand.Interrupt) != 0)
                RaiseUnlocked(DmaInterrupt);
        }
    }

    private void Transfer(bool toRam, ulong ramAddress, Span<byte> buffer)
    {
        if (!_busMaster())
        {
            // QEMU's bus-master address space is disabled: nothing reaches RAM.
            _logger.Warning("DMA with bus mastering disabled in the command register; not transferred");
            return;
        }
        if (!_memory.IsRam(ramAddress, (ulong)buffer.Length))
        {
            _logger.Warning("DMA of {Count} bytes {Direction} 0x{Address:x}, which is not RAM; not transferred",
                buffer.Length, toRam ? "to" : "from", ramAddress);
            return;
        }
        if (toRam)
            _memory.Write(ramAddress, buffer);
        else
            _memory.Read(ramAddress, buffer);
    }
}
