using System.Buffers.Binary;
using System.Text;
using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>The MADT of a machine with APICs (ACPI 6.5, 5.2.12), read back as a kernel walks it.</summary>
public class AcpiMadtTests
{
    private const uint Base = 0x9fc00;

    private static readonly ApicPlatform TwoCpusOneIoApic = new(2,
        [new IoApicPlacement(0, 0xFEC00000, 0, new Dictionary<int, int> { [0] = 2 })]);

    private static uint U32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);

    /// <summary>The tables' block and the MADT in it, found through RSDP → RSDT's second entry.</summary>
    private static (byte[] Block, byte[] Madt, byte[] Rsdt) Build(ApicPlatform? apic)
    {
        var block = AcpiTables.Build(new AcpiPmBlock(0x600, 9), Base, out uint rsdp, apic);
        uint rsdtAt = U32(block.AsSpan((int)(rsdp - Base)), 16);
        var rsdt = Table(block, rsdtAt);
        var madt = rsdt.Length > 40 ? Table(block, U32(rsdt, 40)) : [];
        return (block, madt, rsdt);
    }

    private static byte[] Table(byte[] block, uint address)
    {
        int at = (int)(address - Base);
        return block.AsSpan(at, (int)U32(block.AsSpan(at), 4)).ToArray();
    }

    /// <summary>The interrupt controller structures after the MADT's fixed part: (type, bytes).</summary>
    private static List<(byte Type, byte[] Entry)> Entries(byte[] madt)
    {
        var entries = new List<(byte, byte[])>();
        for (int at = 44; at < madt.Length; at += madt[at + 1])
            entries.Add((madt[at], madt.AsSpan(at, madt[at + 1]).ToArray()));
        return entries;
    }

    [Fact]
    public void Without_apics_the_rsdt_lists_only_the_fadt()
    {
        var (_, madt, rsdt) = Build(null);
        Assert.Equal(40, rsdt.Length);
        Assert.Empty(madt);
    }

    [Fact]
    public void Madt_has_its_signature_checksum_local_apic_address_and_pcat_flag()
    {
        var (_, madt, rsdt) = Build(TwoCpusOneIoApic);

        Assert.Equal("APIC", Encoding.ASCII.GetString(madt, 0, 4));
        Assert.Equal(0, madt.Aggregate(0, (s, b) => s + b) & 0xff);
        Assert.Equal(0, rsdt.Aggregate(0, (s, b) => s + b) & 0xff);
        Assert.Equal(0xFEE00000u, U32(madt, 36));
        Assert.Equal(1u, U32(madt, 40)); // PCAT_COMPAT: the 8259s are there too
    }

    [Fact]
    public void Madt_lists_each_cpu_the_io_apic_the_overrides_and_lint1_nmi()
    {
        var (_, madt, _) = Build(TwoCpusOneIoApic);
        var entries = Entries(madt);

        Assert.Equal([0, 0, 1, 2, 2, 4], entries.Select(e => (int)e.Type));
        Assert.Equal([0, 8, 0, 0, 1, 0, 0, 0], entries[0].Entry);           // UID 0, APIC ID 0, enabled
        Assert.Equal([0, 8, 1, 1, 1, 0, 0, 0], entries[1].Entry);           // UID 1, APIC ID 1, enabled
        Assert.Equal(0xFEC00000u, U32(entries[2].Entry, 4));
        Assert.Equal(0u, U32(entries[2].Entry, 8));                          // GSI base
        Assert.Equal(2u, U32(entries[3].Entry, 4));                          // IRQ 0 → GSI 2
        Assert.Equal(0, entries[3].Entry[3]);
        Assert.Equal(9, entries[4].Entry[3]);                                // the SCI: level, active high
        Assert.Equal(0x0D, BinaryPrimitives.ReadUInt16LittleEndian(entries[4].Entry.AsSpan(8)));
        Assert.Equal([4, 6, 0xFF, 0, 0, 1], entries[5].Entry);               // all processors, LINT1
    }

    [Fact]
    public void Sixty_four_cpus_still_fit_below_640_kib()
    {
        var many = TwoCpusOneIoApic with { ProcessorCount = 64 };
        var (block, madt, _) = Build(many);
        Assert.True(block.Length <= AcpiTables.MaxSize);
        Assert.Equal(64, Entries(madt).Count(e => e.Type == 0));
    }
}
