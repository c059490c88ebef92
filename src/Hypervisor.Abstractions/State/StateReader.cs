using System.Buffers.Binary;
using System.Text;

namespace Hypervisor.Abstractions;

/// <summary>An <see cref="IStateReader"/> over bytes a <see cref="StateWriter"/> produced.</summary>
public sealed class StateReader(ReadOnlyMemory<byte> data) : IStateReader
{
    private int _position;

    /// <summary>Bytes not read yet (a device that leaves some read a layout other than the one written).</summary>
    public int Remaining => data.Length - _position;

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new StateFormatException($"expected a boolean (0 or 1) at offset {_position - 1}, found {b}"),
    };

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int ReadInt32() => (int)ReadUInt32();

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long ReadInt64() => (long)ReadUInt64();

    public byte[] ReadBytes() => Take(ReadLength()).ToArray();

    public void ReadBytes(Span<byte> destination)
    {
        int length = ReadLength();
        if (length != destination.Length)
            throw new StateFormatException($"expected a block of {destination.Length} bytes at offset {_position - 4}, found {length}");
        Take(length).CopyTo(destination);
    }

    public string ReadString() => Encoding.UTF8.GetString(Take(ReadLength()));

    private int ReadLength()
    {
        int length = ReadInt32();
        if (length < 0)
            throw new StateFormatException($"negative block length {length} at offset {_position - 4}");
        return length;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw new StateFormatException($"state ends after {data.Length} bytes; {count} more were expected at offset {_position}");
        var span = data.Span.Slice(_position, count);
        _position += count;
        return span;
    }
}
