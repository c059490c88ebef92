using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Snapshots;

/// <summary>
/// Guest RAM in a snapshot, sparse: a page that is all zeros is not written (an untouched page of
/// the lazy mapping reads as zeros without costing host RAM). On load every page the file does not
/// hold is cleared, so what the boot loader put in RAM before the restore does not survive.
/// </summary>
internal static unsafe class RamImage
{
    private const int PageSize = (int)MemorySlot.PageSize;

    public static void Write(BinaryWriter writer, GuestMemory memory)
    {
        writer.Write((uint)memory.Slots.Count);
        foreach (var slot in memory.Slots)
        {
            writer.Write(slot.GuestAddress);
            writer.Write(slot.Size);
            for (ulong page = 0; page < slot.Size / MemorySlot.PageSize; page++)
            {
                var bytes = PageAt(slot, page);
                if (bytes.IndexOfAnyExcept((byte)0) < 0)
                    continue;
                writer.Write(page);
                writer.Write(bytes);
            }
            writer.Write(SnapshotFormat.EndOfPages);
        }
    }

    public static void Read(BinaryReader reader, GuestMemory memory)
    {
        uint count = reader.ReadUInt32();
        if (count != memory.Slots.Count)
            throw new SnapshotException($"the snapshot has {count} RAM slots, this machine {memory.Slots.Count}");
        foreach (var slot in memory.Slots)
        {
            ulong baseAddress = reader.ReadUInt64(), size = reader.ReadUInt64();
            if (baseAddress != slot.GuestAddress || size != slot.Size)
                throw new SnapshotException($"RAM slot 0x{baseAddress:x}+0x{size:x} in the snapshot is 0x{slot.GuestAddress:x}+0x{slot.Size:x} in this machine");
            ulong pages = slot.Size / MemorySlot.PageSize;
            ulong next = 0;
            while (true)
            {
                ulong page = reader.ReadUInt64();
                if (page != SnapshotFormat.EndOfPages && (page >= pages || page < next))
                    throw new SnapshotException($"RAM page {page} of slot 0x{slot.GuestAddress:x} is out of order or outside it");
                ulong end = page == SnapshotFormat.EndOfPages ? pages : page;
                for (; next < end; next++)
                    ClearIfUsed(PageAt(slot, next));
                if (page == SnapshotFormat.EndOfPages)
                    break;
                reader.BaseStream.ReadExactly(PageAt(slot, page));
                next = page + 1;
            }
        }
    }

    private static Span<byte> PageAt(MemorySlot slot, ulong page) => new(slot.HostPointer + page * MemorySlot.PageSize, PageSize);

    // Reading a page the guest never touched costs nothing; writing zeros to it would allocate it.
    private static void ClearIfUsed(Span<byte> page)
    {
        if (page.IndexOfAnyExcept((byte)0) >= 0)
            page.Clear();
    }
}
