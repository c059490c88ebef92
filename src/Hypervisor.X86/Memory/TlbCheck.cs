namespace Hypervisor.X86.Cpu;

/// <summary>
/// A debugging aid (MINIVMM_TLB_CHECK=1): every TLB hit of a data access in 4-level paging re-walks
/// the page tables, without side effects, and reports to stderr when the cached translation no
/// longer matches them, with the linear address, both physical pages and where the CPU was. Linux
/// flushes before it uses a changed mapping, so a mismatch on an access means a flush went missing.
/// </summary>
internal sealed unsafe partial class Cpu
{
    internal static readonly bool TlbCheck = Environment.GetEnvironmentVariable("MINIVMM_TLB_CHECK") == "1";
    private static int _tlbMismatches;
    // The flush history and when each slot was filled, kept only with the check on.
    private readonly (ulong Retired, string Kind, ulong Address)[] _flushLog = new (ulong, string, ulong)[256];
    private int _flushLogNext;
    private readonly Dictionary<ulong, ulong> _filledAt = new();

    internal void NoteTlbFlush(string kind, ulong address)
    {
        _flushLog[_flushLogNext++ & 255] = (Retired, kind, address);
    }

    internal void NoteTlbFill(ulong la) => _filledAt[la >> 12] = Retired;

    private void CheckTlbHit(ulong la, ref Memory.TlbEntry e, bool write)
    {
        if (!LongModeActive)
            return;
        ulong cached = e.PhysicalPage;
        bool global = e.Global;
        ulong table = Cr3 & PteAddressMask;
        for (int shift = 39; ; shift -= 9)
        {
            ulong entry = ReadPhysical64(table + (((la >> shift) & 0x1FF) << 3));
            if ((entry & PtePresent) == 0)
            {
                Report("not present");
                return;
            }
            if (shift == 12 || (shift is 30 or 21 && (entry & PtePageSize) != 0))
            {
                ulong pageMask = (1UL << shift) - 1;
                ulong frame = (entry & PteAddressMask & ~pageMask) | (la & pageMask & ~0xFFFUL);
                if (frame >> 12 != cached)
                    Report($"walks to page 0x{frame >> 12:x} ({(shift == 12 ? "4K" : shift == 21 ? "2M" : "1G")}, entry 0x{entry:x})");
                return;
            }
            table = entry & PteAddressMask;
        }

        void Report(string what)
        {
            if (Interlocked.Increment(ref _tlbMismatches) > 50)
                return;
            ulong filled = _filledAt.GetValueOrDefault(la >> 12);
            Console.Error.WriteLine($"tlb-check: {(write ? "write" : "read")} of 0x{la:x} hit page 0x{cached:x} (global {global}) but the tables {what}; at RIP 0x{_instrRip:x}, retired {Retired}; filled at {filled}");
            for (int i = 0; i < 256; i++)
            {
                var f = _flushLog[(_flushLogNext + i) & 255];
                if (f.Kind != null && f.Retired >= filled)
                    Console.Error.WriteLine($"tlb-check:   flush {f.Kind} 0x{f.Address:x} at retired {f.Retired}");
            }
        }
    }
}
