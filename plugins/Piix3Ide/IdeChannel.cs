using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// One IDE channel: the shared task file (both devices latch every register write, as on the
/// cable), the device control register, and up to two ATA disks of which the device register
/// selects one. Commands run at once (the status never shows BSY to the guest); PIO transfers
/// go through a one-block buffer that the data port drains or fills. INTRQ follows ATA: set at
/// each data-in block, at each data-out block after the first and at completion; cleared by
/// reading Status (not Alternate Status) or writing a command; masked by nIEN. An absent device
/// reads 0 on the task file (as QEMU's), a channel with no device 0xff.
/// </summary>
public sealed partial class IdeChannel
{
    private readonly object _lock = new();
    private readonly AtaDisk?[] _disks;
    private readonly IInterruptLine _irq;
    private readonly DriveSettings[] _settings = [new(), new()];
    private readonly byte[] _buffer = new byte[AtaIdentify.MaxMultiple * DiskImage.SectorSize];

    private byte _features, _count, _lbaLow, _lbaMid, _lbaHigh;
    private byte _hobFeatures, _hobCount, _hobLbaLow, _hobLbaMid, _hobLbaHigh;
    private byte _device, _control, _status, _error;
    private bool _interruptPending;

    private TransferKind _transfer;
    private int _position, _end;
    private long _lba, _remaining;
    private int _blockSectors, _multiple;
    private bool _fromDisk;

    private enum TransferKind { None, In, Out }

    private sealed class DriveSettings
    {
        public int Multiple;
        public DiskGeometry? Geometry;
    }

    /// <param name="master">Device 0, or null.</param>
    /// <param name="slave">Device 1, or null.</param>
    /// <param name="irq">The channel's INTRQ (IRQ 14 on the primary channel).</param>
    public IdeChannel(AtaDisk? master, AtaDisk? slave, IInterruptLine irq)
    {
        _disks = [master, slave];
        _irq = irq;
        Reset();
    }

    private int Selected => (_device & AtaControl.Device1) != 0 ? 1 : 0;
    private AtaDisk? SelectedDisk => _disks[Selected];
    private bool Empty => _disks[0] == null && _disks[1] == null;

    /// <summary>Power-on (and hardware reset): both devices show their signature, settings cleared.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _control = 0;
            foreach (var settings in _settings)
            {
                settings.Multiple = 0;
                settings.Geometry = null;
            }
            _features = _hobFeatures = 0;
            SoftReset();
        }
    }

    /// <summary>A read of the command block at <paramref name="offset"/> (0-7).</summary>
    public uint ReadCommandBlock(int offset, int size)
    {
        lock (_lock)
        {
            if (offset == AtaPort.Data)
                return ReadData(size);
            uint value = 0;
            for (int i = 0; i < size && offset + i < AtaPort.Count; i++)
                value |= (uint)ReadRegister(offset + i) << (8 * i);
            return value;
        }
    }

    /// <summary>A write of the command block at <paramref name="offset"/> (0-7).</summary>
    public void WriteCommandBlock(int offset, int size, uint value)
    {
        lock (_lock)
        {
            if (offset == AtaPort.Data)
            {
                WriteData(size, value);
                return;
            }
            for (int i = 0; i < size && offset + i < AtaPort.Count; i++)
                WriteRegister(offset + i, (byte)(value >> (8 * i)));
        }
    }

    /// <summary>Alternate Status: the status without clearing the interrupt.</summary>
    public byte ReadAlternateStatus()
    {
        lock (_lock)
            return Empty ? (byte)0xff : SelectedDisk == null ? (byte)0 : _status;
    }

    /// <summary>The device control register: nIEN, SRST (a 1-then-0 pulse resets both devices), HOB.</summary>
    public void WriteControl(byte value)
    {
        lock (_lock)
        {
            bool resetStarts = (value & AtaControl.SoftwareReset) != 0 && (_control & AtaControl.SoftwareReset) == 0;
            bool resetEnds = (value & AtaControl.SoftwareReset) == 0 && (_control & AtaControl.SoftwareReset) != 0;
            _control = value;
            if (resetStarts)
            {
                _transfer = TransferKind.None;
                _status = AtaStatus.Busy;
                _interruptPending = false;
            }
            else if (resetEnds)
            {
                SoftReset();
            }
            UpdateLine();
        }
    }

    /// <summary>Whether the channel drives INTRQ now (for tests).</summary>
    public bool InterruptPending
    {
        get { lock (_lock) return _interruptPending; }
    }

    // Caller holds _lock. The signature of an ATA device: count 1, LBA 1/0/0, device 0, diagnostics passed.
    private void SoftReset()
    {
        _transfer = TransferKind.None;
        _count = _lbaLow = 1;
        _lbaMid = _lbaHigh = 0;
        _hobCount = _hobLbaLow = _hobLbaMid = _hobLbaHigh = 0;
        _device = 0;
        _error = AtaError.DiagnosticPassed;
        _status = AtaStatus.Idle;
        _interruptPending = false;
        UpdateLine();
    }

    private byte ReadRegister(int offset)
    {
        if (Empty)
            return 0xff;
        if (offset == AtaPort.Device)
            return _device;
        if (SelectedDisk == null)
            return 0;
        bool hob = (_control & AtaControl.HighOrderByte) != 0;
        switch (offset)
        {
            case AtaPort.ErrorFeatures: return _error;
            case AtaPort.SectorCount: return hob ? _hobCount : _count;
            case AtaPort.LbaLow: return hob ? _hobLbaLow : _lbaLow;
            case AtaPort.LbaMid: return hob ? _hobLbaMid : _lbaMid;
            case AtaPort.LbaHigh: return hob ? _hobLbaHigh : _lbaHigh;
            default:
                _interruptPending = false;
                UpdateLine();
                return _status;
        }
    }

    private void WriteRegister(int offset, byte value)
    {
        // A task file write ends the high-order view (ATA-6 7.9.6).
        _control &= unchecked((byte)~AtaControl.HighOrderByte);
        switch (offset)
        {
            case AtaPort.ErrorFeatures: _hobFeatures = _features; _features = value; break;
            case AtaPort.SectorCount: _hobCount = _count; _count = value; break;
            case AtaPort.LbaLow: _hobLbaLow = _lbaLow; _lbaLow = value; break;
            case AtaPort.LbaMid: _hobLbaMid = _lbaMid; _lbaMid = value; break;
            case AtaPort.LbaHigh: _hobLbaHigh = _lbaHigh; _lbaHigh = value; break;
            case AtaPort.Device: _device = value; UpdateLine(); break;
            default:
                if (SelectedDisk is { } disk && (_status & AtaStatus.Busy) == 0)
                {
                    _interruptPending = false;
                    Execute(disk, value);
                    UpdateLine();
                }
                break;
        }
    }

    private uint ReadData(int size)
    {
        if (_transfer != TransferKind.In)
            return 0;
        uint value = 0;
        for (int i = 0; i < size && _position < _end; i++)
            value |= (uint)_buffer[_position++] << (8 * i);
        if (_position >= _end)
            InBlockDone();
        return value;
    }

    private void WriteData(int size, uint value)
    {
        if (_transfer != TransferKind.Out)
            return;
        for (int i = 0; i < size && _position < _end; i++)
            _buffer[_position++] = (byte)(value >> (8 * i));
        if (_position >= _end)
            OutBlockDone();
    }

    private void UpdateLine() => _irq.Set(_interruptPending && (_control & AtaControl.InterruptsDisabled) == 0);

    private void Interrupt() => _interruptPending = true;
}
