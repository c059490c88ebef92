namespace MiniVmm.Devices.Ide;

// The ATA commands and their PIO data phases. Caller holds _lock in every method.
public sealed partial class IdeChannel
{
    private void Execute(AtaDisk disk, byte command)
    {
        var settings = _settings[Selected];
        _error = 0;
        switch (command)
        {
            case AtaCommand.IdentifyDevice:
                AtaIdentify.Build(disk, CurrentGeometry(disk), settings.Multiple).CopyTo(_buffer, 0);
                StartIn(lba: 0, sectors: 1, blockSectors: 1, fromDisk: false);
                break;
            case AtaCommand.ReadSectors or AtaCommand.ReadSectorsNoRetry:
                StartRead(disk, lba48: false, multiple: false);
                break;
            case AtaCommand.ReadSectorsExt:
                StartRead(disk, lba48: true, multiple: false);
                break;
            case AtaCommand.ReadMultiple:
                StartRead(disk, lba48: false, multiple: true);
                break;
            case AtaCommand.ReadMultipleExt:
                StartRead(disk, lba48: true, multiple: true);
                break;
            case AtaCommand.WriteSectors or AtaCommand.WriteSectorsNoRetry:
                StartWrite(disk, lba48: false, multiple: false);
                break;
            case AtaCommand.WriteSectorsExt:
                StartWrite(disk, lba48: true, multiple: false);
                break;
            case AtaCommand.WriteMultiple:
                StartWrite(disk, lba48: false, multiple: true);
                break;
            case AtaCommand.WriteMultipleExt:
                StartWrite(disk, lba48: true, multiple: true);
                break;
            case AtaCommand.VerifySectors or AtaCommand.VerifySectorsNoRetry or AtaCommand.VerifySectorsExt:
                if (Address(disk, command == AtaCommand.VerifySectorsExt, out _, out _))
                    Complete();
                break;
            case AtaCommand.SetMultipleMode:
                if (_count > AtaIdentify.MaxMultiple || (_count & (_count - 1)) != 0)
                    Abort();
                else
                {
                    settings.Multiple = _count;
                    Complete();
                }
                break;
            case AtaCommand.InitializeDeviceParameters:
                if (_count == 0)
                    Abort();
                else
                {
                    settings.Geometry = DiskGeometry.Translated(disk.Image.Sectors, (_device & 0x0f) + 1, _count);
                    Complete();
                }
                break;
            case AtaCommand.SetFeatures:
                if (SetFeaturesAccepted())
                    Complete();
                else
                    Abort();
                break;
            case AtaCommand.FlushCache or AtaCommand.FlushCacheExt:
                disk.Image.Flush();
                Complete();
                break;
            case AtaCommand.CheckPowerMode:
                _count = 0xff; // active or idle
                Complete();
                break;
            case AtaCommand.ReadNativeMax:
                SetLba(Math.Min(disk.Image.Sectors, 0x0fff_ffff) - 1, lba48: false);
                Complete();
                break;
            case AtaCommand.ReadNativeMaxExt:
                SetLba(disk.Image.Sectors - 1, lba48: true);
                Complete();
                break;
            case AtaCommand.ExecuteDeviceDiagnostic:
                SoftReset();
                Interrupt();
                break;
            case AtaCommand.StandbyImmediate or AtaCommand.IdleImmediate or AtaCommand.Standby
                or AtaCommand.Idle or AtaCommand.Sleep or 0x94 or 0x95 or 0x96 or 0x97:
                Complete(); // no spindle: power states change nothing
                break;
            case >= AtaCommand.Recalibrate and <= 0x1f:
            case >= AtaCommand.Seek and <= 0x7f:
                Complete();
                break;
            default:
                Abort(); // IDENTIFY PACKET DEVICE, DEVICE RESET, DMA and the rest: not an ATAPI device, no DMA
                break;
        }
    }

    // SET FEATURES: PIO transfer modes and the cache, lookahead and defaults switches are accepted;
    // DMA modes are refused (the function has no bus master), as is anything unknown.
    private bool SetFeaturesAccepted() => _features switch
    {
        0x03 => _count is <= 0x01 or (>= 0x08 and <= 0x0c),
        0x02 or 0x82 or 0x55 or 0xaa or 0x66 or 0xcc => true,
        _ => false,
    };

    private DiskGeometry CurrentGeometry(AtaDisk disk)
        => _settings[Selected].Geometry ?? DiskGeometry.For(disk.Image.Sectors);

    private void StartRead(AtaDisk disk, bool lba48, bool multiple)
    {
        int block = multiple ? _settings[Selected].Multiple : 1;
        if (block == 0)
        {
            Abort(); // READ MULTIPLE before SET MULTIPLE MODE
            return;
        }
        if (Address(disk, lba48, out long lba, out long count))
            StartIn(lba, count, block, fromDisk: true);
    }

    private void StartWrite(AtaDisk disk, bool lba48, bool multiple)
    {
        int block = multiple ? _settings[Selected].Multiple : 1;
        if (block == 0)
        {
            Abort();
            return;
        }
        if (!Address(disk, lba48, out long lba, out long count))
            return;
        _transfer = TransferKind.Out;
        _lba = lba;
        _remaining = count;
        _multiple = block;
        NextOutBlock(); // the first block is asked for without an interrupt
    }

    // The command's first sector and count, checked against the disk; false (after an IDNF error) when outside.
    private bool Address(AtaDisk disk, bool lba48, out long lba, out long count)
    {
        if (lba48)
        {
            lba = _lbaLow | (long)_lbaMid << 8 | (long)_lbaHigh << 16 | (long)_hobLbaLow << 24 | (long)_hobLbaMid << 32 | (long)_hobLbaHigh << 40;
            count = _count | _hobCount << 8;
            if (count == 0)
                count = 65536;
        }
        else
        {
            lba = (_device & AtaControl.LbaMode) != 0
                ? (long)(uint)(_lbaLow | _lbaMid << 8 | _lbaHigh << 16 | (_device & 0x0f) << 24)
                : CurrentGeometry(disk).ToLba(_lbaMid | _lbaHigh << 8, _device & 0x0f, _lbaLow);
            count = _count == 0 ? 256 : _count;
        }
        if (lba < 0 || lba + count > disk.Image.Sectors)
        {
            _error = AtaError.IdNotFound;
            _status = AtaStatus.Idle | AtaStatus.Error;
            Interrupt();
            return false;
        }
        return true;
    }

    private void SetLba(long lba, bool lba48)
    {
        _lbaLow = (byte)lba;
        _lbaMid = (byte)(lba >> 8);
        _lbaHigh = (byte)(lba >> 16);
        if (lba48)
        {
            _hobLbaLow = (byte)(lba >> 24);
            _hobLbaMid = (byte)(lba >> 32);
            _hobLbaHigh = (byte)(lba >> 40);
        }
        else
        {
            _device = (byte)((_device & 0xf0) | (int)((lba >> 24) & 0x0f));
        }
    }

    private void StartIn(long lba, long sectors, int blockSectors, bool fromDisk)
    {
        _transfer = TransferKind.In;
        _lba = lba;
        _remaining = sectors;
        _multiple = blockSectors;
        _fromDisk = fromDisk;
        NextInBlock();
    }

    private void NextInBlock()
    {
        _blockSectors = (int)Math.Min(_multiple, _remaining);
        if (_fromDisk)
        {
            for (int i = 0; i < _blockSectors; i++)
                SelectedDisk!.Image.Read(_lba + i, _buffer.AsSpan(i * DiskImage.SectorSize, DiskImage.SectorSize));
        }
        _position = 0;
        _end = _blockSectors * DiskImage.SectorSize;
        _status = AtaStatus.Idle | AtaStatus.DataRequest;
        Interrupt();
    }

    private void InBlockDone()
    {
        _lba += _blockSectors;
        _remaining -= _blockSectors;
        if (_remaining > 0)
        {
            NextInBlock();
            UpdateLine();
            return;
        }
        _transfer = TransferKind.None;
        _status = AtaStatus.Idle;
    }

    private void NextOutBlock()
    {
        _blockSectors = (int)Math.Min(_multiple, _remaining);
        _position = 0;
        _end = _blockSectors * DiskImage.SectorSize;
        _status = AtaStatus.Idle | AtaStatus.DataRequest;
    }

    private void OutBlockDone()
    {
        for (int i = 0; i < _blockSectors; i++)
            SelectedDisk!.Image.Write(_lba + i, _buffer.AsSpan(i * DiskImage.SectorSize, DiskImage.SectorSize));
        _lba += _blockSectors;
        _remaining -= _blockSectors;
        if (_remaining > 0)
            NextOutBlock();
        else
        {
            _transfer = TransferKind.None;
            _status = AtaStatus.Idle;
        }
        Interrupt();
        UpdateLine();
    }

    private void Complete()
    {
        _transfer = TransferKind.None;
        _status = AtaStatus.Idle;
        Interrupt();
    }

    private void Abort()
    {
        _transfer = TransferKind.None;
        _error = AtaError.Aborted;
        _status = AtaStatus.Idle | AtaStatus.Error;
        Interrupt();
    }
}
