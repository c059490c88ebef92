using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Ide;

/// <summary>The channel's saved state: the task file, a PIO transfer under way with its buffer, each drive's settings.</summary>
public sealed partial class IdeChannel
{
    /// <summary>Writes the task file (both register sets), control, status, the transfer and its block buffer.</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            foreach (byte register in (byte[])[_features, _count, _lbaLow, _lbaMid, _lbaHigh,
                         _hobFeatures, _hobCount, _hobLbaLow, _hobLbaMid, _hobLbaHigh, _device, _control, _status, _error])
                writer.WriteByte(register);
            writer.WriteBool(_interruptPending);
            writer.WriteByte((byte)_transfer);
            writer.WriteInt32(_position);
            writer.WriteInt32(_end);
            writer.WriteInt64(_lba);
            writer.WriteInt64(_remaining);
            writer.WriteInt32(_blockSectors);
            writer.WriteInt32(_multiple);
            writer.WriteBool(_fromDisk);
            writer.WriteBytes(_buffer.AsSpan(0, _end));
            foreach (var settings in _settings)
            {
                writer.WriteInt32(settings.Multiple);
                writer.WriteBool(settings.Geometry.HasValue);
                var geometry = settings.Geometry.GetValueOrDefault();
                writer.WriteInt32(geometry.Cylinders);
                writer.WriteInt32(geometry.Heads);
                writer.WriteInt32(geometry.SectorsPerTrack);
            }
        }
    }

    /// <summary>Takes what <see cref="SaveState"/> wrote and drives INTRQ to the saved level.</summary>
    public void LoadState(IStateReader reader)
    {
        lock (_lock)
        {
            _features = reader.ReadByte(); _count = reader.ReadByte(); _lbaLow = reader.ReadByte();
            _lbaMid = reader.ReadByte(); _lbaHigh = reader.ReadByte();
            _hobFeatures = reader.ReadByte(); _hobCount = reader.ReadByte(); _hobLbaLow = reader.ReadByte();
            _hobLbaMid = reader.ReadByte(); _hobLbaHigh = reader.ReadByte();
            _device = reader.ReadByte(); _control = reader.ReadByte(); _status = reader.ReadByte(); _error = reader.ReadByte();
            _interruptPending = reader.ReadBool();
            byte transfer = reader.ReadByte();
            if (transfer > (byte)TransferKind.Out)
                throw new StateFormatException($"piix3-ide: transfer kind {transfer} is not 0-2");
            _transfer = (TransferKind)transfer;
            _position = reader.ReadInt32();
            _end = reader.ReadInt32();
            _lba = reader.ReadInt64();
            _remaining = reader.ReadInt64();
            _blockSectors = reader.ReadInt32();
            _multiple = reader.ReadInt32();
            _fromDisk = reader.ReadBool();
            if (_end < 0 || _end > _buffer.Length || _position < 0 || _position > _end)
                throw new StateFormatException($"piix3-ide: transfer position {_position} of {_end} does not fit the {_buffer.Length}-byte buffer");
            reader.ReadBytes(_buffer.AsSpan(0, _end));
            foreach (var settings in _settings)
            {
                settings.Multiple = reader.ReadInt32();
                bool set = reader.ReadBool();
                var geometry = new DiskGeometry(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
                settings.Geometry = set ? geometry : null;
            }
            UpdateLine();
        }
    }
}
