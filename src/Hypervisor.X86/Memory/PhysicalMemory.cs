using Hypervisor.Core.Memory;

namespace Hypervisor.X86.Memory;

/// <summary>
/// The guest physical address space as the CPU sees it: host pointers per 4 KiB page for reads and
/// for writes (so an access never searches the slot list; they differ for firmware ROM, which has no
/// write pointer, and for shadow RAM the chipset switches), and a bitmap per page of the 64-byte
/// chunks that hold decoded code, so stores know when they modify instructions the CPU has cached.
/// </summary>
internal sealed unsafe class PhysicalMemory
{
    public const int PageShift = 12;
    public const uint PageSize = 1u << PageShift;
    public const uint PageMask = PageSize - 1;
    /// <summary>Code is tracked in 64-byte chunks: one bit each, 64 per page.</summary>
    public const int ChunkShift = 6;

    private readonly nint[] _pages;
    private readonly nint[] _writePages;
    private readonly ulong[] _codeChunks;
    private readonly FirmwareMemory? _firmware;
    /// <summary>
    /// The firmware ROM's pages when they lie above the tables (the usual case: RAM ends far below
    /// 4 GiB), so the tables need not span the hole; read-only, and never holding code that changes.
    /// </summary>
    private readonly nint[] _romPages = [];
    private readonly ulong _romFirstPage;

    public PhysicalMemory(GuestMemory memory, FirmwareMemory? firmware = null)
    {
        _firmware = firmware;
        ulong end = firmware != null ? FirmwareMemory.ShadowEnd : 0;
        foreach (var slot in memory.Slots)
            end = Math.Max(end, slot.End);
        // Physical addresses above 64 GiB (36-bit PAE) are never RAM for this CPU.
        end = Math.Min(end, 1UL << 36);
        long pages = (long)(end >> PageShift);
        _pages = new nint[pages];
        _writePages = new nint[pages];
        _codeChunks = new ulong[pages];
        foreach (var slot in memory.Slots)
        {
            for (ulong a = slot.GuestAddress; a < slot.End && a < end; a += PageSize)
                _pages[a >> PageShift] = _writePages[a >> PageShift] = (nint)(slot.HostPointer + (a - slot.GuestAddress));
        }
        if (firmware == null)
            return;
        Remap(FirmwareMemory.ShadowStart, FirmwareMemory.ShadowEnd - FirmwareMemory.ShadowStart);
        if (firmware.Base >= end)
        {
            _romFirstPage = firmware.Base >> PageShift;
            _romPages = new nint[firmware.Size >> PageShift];
            for (int i = 0; i < _romPages.Length; i++)
                _romPages[i] = (nint)firmware.ReadHost(_romFirstPage + (ulong)i);
        }
        else
        {
            Remap(firmware.Base, firmware.Size); // RAM above 4 GiB: the tables span the ROM too
        }
    }

    /// <summary>Takes the firmware map's routing of [address, address + length) again (a PAM change).</summary>
    public void Remap(ulong address, ulong length)
    {
        if (_firmware == null)
            return;
        for (ulong page = address >> PageShift; page < (address + length) >> PageShift && page < (ulong)_pages.LongLength; page++)
        {
            if (!_firmware.Covers(page))
                continue;
            _pages[page] = (nint)_firmware.ReadHost(page);
            _writePages[page] = (nint)_firmware.WriteHost(page);
        }
    }

    /// <summary>Number of 4 KiB pages the tables cover (up to the highest RAM address; a ROM above has its own).</summary>
    public long PageCount => _pages.LongLength;

    /// <summary>The host address writes to physical page <paramref name="pageNumber"/> go to, or null (not RAM, or ROM).</summary>
    public byte* PageWriteHost(ulong pageNumber) =>
        pageNumber < (ulong)_writePages.LongLength ? (byte*)_writePages[pageNumber] : null;

    /// <summary>The host address of a physical byte for writes, or null when writes there are not RAM.</summary>
    public byte* WriteHost(ulong address)
    {
        byte* page = PageWriteHost(address >> PageShift);
        return page == null ? null : page + (address & PageMask);
    }

    /// <summary>The host address reads of physical page <paramref name="pageNumber"/> come from, or null when it is not RAM or ROM.</summary>
    public byte* PageHost(ulong pageNumber) =>
        pageNumber < (ulong)_pages.LongLength ? (byte*)_pages[pageNumber]
        : pageNumber - _romFirstPage < (ulong)_romPages.LongLength ? (byte*)_romPages[pageNumber - _romFirstPage]
        : null;

    /// <summary>The host address of a physical byte, or null when it is not RAM.</summary>
    public byte* Host(ulong address)
    {
        byte* page = PageHost(address >> PageShift);
        return page == null ? null : page + (address & PageMask);
    }

    /// <summary>True when the page holds decoded code (stores to it must invalidate the cache).</summary>
    public bool HasCode(ulong pageNumber) =>
        pageNumber < (ulong)_codeChunks.LongLength && _codeChunks[pageNumber] != 0;

    /// <summary>Marks [address, address + length) as holding decoded code; returns true if the page had none before.</summary>
    public bool MarkCode(ulong address, int length)
    {
        ulong page = address >> PageShift;
        if (page >= (ulong)_codeChunks.LongLength)
            return false;
        // Interlocked: the vCPUs of one VM share these bits.
        return Interlocked.Or(ref _codeChunks[page], ChunkBits(address, length)) == 0;
    }

    /// <summary>
    /// The code chunks of [address, address + length) within one page that hold decoded code; clears
    /// them, so the caller drops the cached instructions there.
    /// </summary>
    public ulong TakeCodeChunks(ulong address, int length)
    {
        ulong page = address >> PageShift;
        if (page >= (ulong)_codeChunks.LongLength)
            return 0;
        ulong bits = ChunkBits(address, length);
        return Interlocked.And(ref _codeChunks[page], ~bits) & bits;
    }

    private static ulong ChunkBits(ulong address, int length)
    {
        int first = (int)(address & PageMask) >> ChunkShift;
        int last = (int)Math.Min((address & PageMask) + (ulong)Math.Max(length, 1) - 1, PageMask) >> ChunkShift;
        int count = last - first + 1;
        ulong bits = count == 64 ? ulong.MaxValue : ((1UL << count) - 1);
        return bits << first;
    }
}
