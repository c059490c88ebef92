using System.Buffers.Binary;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The tables <see cref="EntryStates.LongMode"/> enters 64-bit mode with (the Linux boot protocol's
/// 64-bit path, as kvmtool and Firecracker set it up): a GDT with the flat __BOOT_CS (0x10) and
/// __BOOT_DS (0x18) descriptors and a busy TSS, an empty IDT, and identity page tables of 2 MiB pages.
/// </summary>
public static class LongModeTables
{
    /// <summary>__BOOT_CS of the Linux boot protocol.</summary>
    public const ushort CodeSelector = 0x10;
    /// <summary>__BOOT_DS of the Linux boot protocol.</summary>
    public const ushort DataSelector = 0x18;
    /// <summary>A busy 64-bit TSS descriptor (VMX requires a usable TR).</summary>
    public const ushort TssSelector = 0x20;

    private const ulong PageSize = 4096;
    private const ulong LargePageSize = 2ul << 20;
    private const ulong GiB = 1ul << 30;
    private const int EntriesPerTable = 512;
    private const int GdtEntries = 5;

    // GDT descriptors: base 0, limit 0xfffff, G=1; access byte and flags per Intel SDM Vol. 3A §3.4.5.
    private const ulong NullDescriptor = 0;
    private const ulong Code64Descriptor = 0x00af_9b00_0000_ffff; // P, DPL0, S, execute/read accessed, L=1, G=1
    private const ulong Data32Descriptor = 0x00cf_9300_0000_ffff; // P, DPL0, S, read/write accessed, D/B=1, G=1
    private const ulong BusyTssDescriptor = 0x0080_8b00_0000_ffff; // P, busy 64-bit TSS

    /// <summary>The descriptor-table registers and CR3 of tables written by <see cref="Write"/>.</summary>
    public readonly record struct Placed(DescriptorTableRegister Gdt, DescriptorTableRegister Idt, ulong Pml4);

    /// <summary>Writes the GDT, an empty IDT and identity page tables into <paramref name="memory"/> at <paramref name="layout"/>.</summary>
    public static Placed Write(GuestMemory memory, LongModeLayout layout)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(layout);
        WriteGdt(memory, layout.GdtAddress);
        RequireRam(memory, layout.IdtAddress, 8, "IDT");
        memory.Write(layout.IdtAddress, new byte[8]);
        ulong pml4 = WriteIdentityPageTables(memory, layout.PageTablesAddress, layout.IdentityMappedBytes);
        return new Placed(
            new DescriptorTableRegister { Base = layout.GdtAddress, Limit = GdtEntries * 8 - 1 },
            new DescriptorTableRegister { Base = layout.IdtAddress, Limit = 8 - 1 },
            pml4);
    }

    /// <summary>Bytes of page tables <see cref="Write"/> writes at <see cref="LongModeLayout.PageTablesAddress"/>.</summary>
    public static ulong PageTablesSize(ulong identityMappedBytes) => (2 + DirectoryCount(identityMappedBytes)) * PageSize;

    private static void WriteGdt(GuestMemory memory, ulong address)
    {
        ReadOnlySpan<ulong> descriptors = [NullDescriptor, NullDescriptor, Code64Descriptor, Data32Descriptor, BusyTssDescriptor];
        RequireRam(memory, address, (ulong)descriptors.Length * 8, "GDT");
        var bytes = new byte[descriptors.Length * 8];
        for (int i = 0; i < descriptors.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), descriptors[i]);
        memory.Write(address, bytes);
    }

    /// <summary>PML4 → one PDPT → N page directories of 2 MiB pages; returns the PML4's address (CR3).</summary>
    private static ulong WriteIdentityPageTables(GuestMemory memory, ulong baseAddress, ulong mappedBytes)
    {
        if (baseAddress % PageSize != 0)
            throw new ArgumentException($"page tables must be 4 KiB aligned; 0x{baseAddress:x} is not");
        ulong directories = DirectoryCount(mappedBytes);
        ulong pml4 = baseAddress, pdpt = baseAddress + PageSize, firstDirectory = baseAddress + 2 * PageSize;
        RequireRam(memory, baseAddress, PageTablesSize(mappedBytes), "identity page tables");

        var table = new byte[PageSize];
        BinaryPrimitives.WriteUInt64LittleEndian(table, pdpt | X86Bits.PagePresent | X86Bits.PageWritable);
        memory.Write(pml4, table);

        Array.Clear(table);
        for (ulong d = 0; d < directories; d++)
            BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan((int)d * 8), (firstDirectory + d * PageSize) | X86Bits.PagePresent | X86Bits.PageWritable);
        memory.Write(pdpt, table);

        for (ulong d = 0; d < directories; d++)
        {
            for (int e = 0; e < EntriesPerTable; e++)
            {
                ulong physical = d * GiB + (ulong)e * LargePageSize;
                BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(e * 8), physical | X86Bits.PagePresent | X86Bits.PageWritable | X86Bits.PageLarge);
            }
            memory.Write(firstDirectory + d * PageSize, table);
        }
        return pml4;
    }

    private static ulong DirectoryCount(ulong mappedBytes)
    {
        if (mappedBytes == 0 || mappedBytes % GiB != 0 || mappedBytes / GiB > EntriesPerTable)
            throw new ArgumentException($"the identity map covers whole GiB, 1 to {EntriesPerTable}; 0x{mappedBytes:x} bytes is not that");
        return mappedBytes / GiB;
    }

    private static void RequireRam(GuestMemory memory, ulong address, ulong length, string what)
    {
        if (!memory.IsRam(address, length))
            throw new ArgumentException($"the {what} at [0x{address:x}, 0x{address + length:x}) is not in guest RAM");
    }
}
