namespace Hypervisor.Abstractions;

/// <summary>
/// Where a device writes its state (<see cref="IDeviceState.SaveState"/>): a sequence of plain
/// values, little-endian, read back in the same order by an <see cref="IStateReader"/>.
/// </summary>
public interface IStateWriter
{
    void WriteBool(bool value);

    void WriteByte(byte value);

    void WriteUInt16(ushort value);

    void WriteUInt32(uint value);

    void WriteInt32(int value);

    void WriteUInt64(ulong value);

    void WriteInt64(long value);

    /// <summary>A byte block with its length.</summary>
    void WriteBytes(ReadOnlySpan<byte> value);

    /// <summary>A UTF-8 string with its length.</summary>
    void WriteString(string value);
}
