namespace Hypervisor.X86.Decoding;

/// <summary>
/// Decoded instructions, direct-mapped by physical address, so a hot loop is decoded once. An entry
/// is valid only for the physical address, code size and EIP it was decoded with. Stores into code
/// (self-modifying code, DMA) drop the entries of the 64-byte chunks they touch.
/// </summary>
internal sealed class InstructionCache
{
    public const int Size = 1 << 15;
    public const ulong Code32Bit = 1UL << 40;
    public const ulong ValidBit = 1UL << 41;
    /// <summary>Decoded as 64-bit code (IA-32e mode, CS.L).</summary>
    public const ulong Code64Bit = 1UL << 42;
    /// <summary>The tag bits besides the physical address: the decode mode and validity.</summary>
    public const ulong ModeBits = Code32Bit | Code64Bit | ValidBit;
    private const ulong AddressMask = (1UL << 40) - 1;
    private const int MaxInstructionLength = 15;

    public readonly DecodedInstruction[] Entries = new DecodedInstruction[Size];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ref DecodedInstruction Slot(ulong physicalAddress) =>
        ref System.Runtime.CompilerServices.Unsafe.Add(
            ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Entries), (int)(physicalAddress & (Size - 1)));

    public void Clear()
    {
        for (int i = 0; i < Entries.Length; i++)
            Entries[i].Tag = 0;
    }

    /// <summary>Drops every instruction overlapping the given 64-byte chunks of the page at <paramref name="pageBase"/>.</summary>
    public void InvalidateChunks(ulong pageBase, ulong chunks)
    {
        while (chunks != 0)
        {
            int chunk = System.Numerics.BitOperations.TrailingZeroCount(chunks);
            chunks &= chunks - 1;
            ulong start = pageBase + ((ulong)chunk << Memory.PhysicalMemory.ChunkShift);
            ulong from = start >= MaxInstructionLength ? start - MaxInstructionLength : 0;
            ulong to = start + (1UL << Memory.PhysicalMemory.ChunkShift);
            for (ulong a = from; a < to; a++)
            {
                ref var e = ref Slot(a);
                if ((e.Tag & AddressMask) == a)
                    e.Tag = 0;
            }
        }
    }
}
