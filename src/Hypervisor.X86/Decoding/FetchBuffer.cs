using Iced.Intel;

namespace Hypervisor.X86.Decoding;

/// <summary>The bytes of one instruction being decoded; Iced reads them through this reader.</summary>
internal sealed class FetchBuffer : CodeReader
{
    public const int MaxLength = 15;
    public readonly byte[] Bytes = new byte[MaxLength + 1];
    public int Length;
    public int Position;

    public void Reset(int length)
    {
        Length = length;
        Position = 0;
    }

    public override int ReadByte() => Position < Length ? Bytes[Position++] : -1;
}
