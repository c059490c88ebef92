using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;
using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>The ACPI tables of a direct Linux boot, read back the way a kernel's ACPICA reads them.</summary>
public class AcpiTablesTests
{
    private const uint Base = 0x9fc00;
    private readonly byte[] _block;
    private readonly uint _rsdp;

    public AcpiTablesTests()
    {
        _block = AcpiTables.Build(new AcpiPmBlock(0x600, 9), Base, out _rsdp);
    }

    private ReadOnlySpan<byte> At(uint address, int length) => _block.AsSpan((int)(address - Base), length);

    private ReadOnlySpan<byte> Table(uint address) => At(address, (int)BinaryPrimitives.ReadUInt32LittleEndian(At(address + 4, 4)));

    private static uint U32(ReadOnlySpan<byte> s, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]);

    private static int Sum(ReadOnlySpan<byte> bytes)
    {
        int sum = 0;
        foreach (byte b in bytes)
            sum += b;
        return sum & 0xff;
    }

    [Fact]
    public void The_rsdp_is_an_acpi_1_rsdp_with_a_valid_checksum_pointing_at_the_rsdt()
    {
        var rsdp = At(_rsdp, 20);
        Assert.Equal("RSD PTR ", Encoding.ASCII.GetString(rsdp[..8]));
        Assert.Equal(0, rsdp[15]);
        Assert.Equal(0, Sum(rsdp));
        Assert.Equal(0u, _rsdp % 16);
        Assert.Equal("RSDT", Encoding.ASCII.GetString(Table(U32(rsdp, 16))[..4]));
    }

    [Fact]
    public void Every_table_has_a_zero_checksum_and_its_signature()
    {
        var rsdt = Table(U32(At(_rsdp, 20), 16));
        Assert.Equal(0, Sum(rsdt));
        var fadt = Table(U32(rsdt, 36));
        Assert.Equal("FACP", Encoding.ASCII.GetString(fadt[..4]));
        Assert.Equal(116, fadt.Length);
        Assert.Equal(0, Sum(fadt));
        var dsdt = Table(U32(fadt, 40));
        Assert.Equal("DSDT", Encoding.ASCII.GetString(dsdt[..4]));
        Assert.Equal(0, Sum(dsdt));
        uint facs = U32(fadt, 36);
        Assert.Equal("FACS", Encoding.ASCII.GetString(At(facs, 4)));
        Assert.Equal(0u, facs % 64);
    }

    [Fact]
    public void The_fadt_points_at_the_pm_block_and_the_sci()
    {
        var fadt = Table(U32(Table(U32(At(_rsdp, 20), 16)), 36));
        Assert.Equal(9, BinaryPrimitives.ReadUInt16LittleEndian(fadt[46..]));
        Assert.Equal(0u, U32(fadt, 48));       // SMI_CMD: already in ACPI mode
        Assert.Equal(0x600u, U32(fadt, 56));   // PM1a_EVT_BLK
        Assert.Equal(0x604u, U32(fadt, 64));   // PM1a_CNT_BLK
        Assert.Equal(0x608u, U32(fadt, 76));   // PM_TMR_BLK
        Assert.Equal(4, fadt[88]);
        Assert.Equal(2, fadt[89]);
        Assert.Equal(4, fadt[91]);
    }

    [Fact]
    public void The_dsdt_names_s5_with_the_soft_off_sleep_type()
    {
        var dsdt = Table(U32(Table(U32(Table(U32(At(_rsdp, 20), 16)), 36)), 40));
        // Name (_S5, Package (4) { 0, 0, 0, 0 })
        Assert.Equal(new byte[] { 0x08, (byte)'_', (byte)'S', (byte)'5', (byte)'_', 0x12, 6, 4, 0, 0, 0, 0 }, dsdt[36..].ToArray());
    }
}
