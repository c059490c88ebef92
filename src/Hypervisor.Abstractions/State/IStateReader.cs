namespace Hypervisor.Abstractions;

/// <summary>
/// Reads back what an <see cref="IStateWriter"/> wrote, in the same order. Reading past the end
/// throws <see cref="StateFormatException"/> (a truncated state, or a layout the device does not expect).
/// </summary>
public interface IStateReader
{
    bool ReadBool();

    byte ReadByte();

    ushort ReadUInt16();

    uint ReadUInt32();

    int ReadInt32();

    ulong ReadUInt64();

    long ReadInt64();

    /// <summary>A byte block written with <see cref="IStateWriter.WriteBytes"/>.</summary>
    byte[] ReadBytes();

    /// <summary>A byte block that must be exactly <paramref name="destination"/>'s length.</summary>
    void ReadBytes(Span<byte> destination);

    string ReadString();
}
