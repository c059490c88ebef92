using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The ACPI tables a directly booted kernel finds through boot_params.acpi_rsdp_addr (ACPI 6.5 chapter
/// 5): RSDP (1.0) → RSDT → FADT (revision 1) → FACS and DSDT, and on a machine with APICs the MADT
/// (<see cref="AcpiMadt"/>). The FADT points at the machine's fixed hardware
/// (<see cref="IAcpiFixedHardware"/>, e.g. the <c>acpi-pm</c> device) and the DSDT holds only
/// <c>\_S5</c>, which is what <c>poweroff</c> needs. Everything fits in the 1 KiB below 640 KiB that
/// the E820 map already reserves (the MADT of up to 64 vCPUs included).
/// </summary>
public static class AcpiTables
{
    /// <summary>Where the tables go: the reserved KiB below 640 KiB (the EBDA's place).</summary>
    public const ulong DefaultAddress = 0x9fc00;

    /// <summary>The most the tables take.</summary>
    public const int MaxSize = 0x400;

    private const int HeaderSize = 36;
    private const int FadtSize = 116;       // ACPI 1.0 FADT
    private const int FacsSize = 64;
    private const int RsdpSize = 20;        // ACPI 1.0 RSDP
    private const byte FadtRevision = 1;
    private const byte DsdtRevision = 1;    // 32-bit AML integers
    private const byte CmosCenturyIndex = 0x32;

    // FADT flags (ACPI 6.5 table 5.10).
    private const uint FlagWbinvd = 1 << 0;
    private const uint FlagProcC1 = 1 << 2;
    private const uint FlagSleepButtonIsControlMethod = 1 << 5;

    /// <summary>Writes the tables for <paramref name="hardware"/> at <paramref name="address"/> (16-byte aligned) and returns the RSDP's address.</summary>
    public static ulong Write(IGuestMemory memory, IAcpiFixedHardware hardware, ulong address = DefaultAddress, ApicPlatform? apic = null)
    {
        var image = Build(hardware, (uint)address, out uint rsdp, apic);
        memory.Write(address, image);
        return rsdp;
    }

    /// <summary>The tables as one block placed at <paramref name="baseAddress"/>; <paramref name="rsdpAddress"/> is where the RSDP landed.</summary>
    public static byte[] Build(IAcpiFixedHardware hardware, uint baseAddress, out uint rsdpAddress, ApicPlatform? apic = null)
    {
        var block = new byte[MaxSize];
        // Layout: RSDP (16-aligned) | FACS (64-aligned) | RSDT | FADT | DSDT | MADT.
        int tables = apic != null ? 2 : 1;
        const int rsdp = 0, facs = 0x40, rsdt = facs + FacsSize;
        int fadt = rsdt + HeaderSize + 4 * tables, dsdt = fadt + FadtSize;
        byte[] aml = SoftOffAml(hardware.SoftOffSleepType);
        int madt = dsdt + HeaderSize + aml.Length;
        int end = madt;
        if (apic != null)
        {
            end += AcpiMadt.Length(apic, hardware.SciInterrupt);
            if (end > MaxSize)
                throw new ArgumentException($"the ACPI tables for {apic.ProcessorCount} vCPUs take {end} bytes, more than the {MaxSize} reserved for them");
            AcpiMadt.Write(block.AsSpan(madt, end - madt), apic, hardware.SciInterrupt);
        }

        WriteFacs(block.AsSpan(facs, FacsSize));

        var d = block.AsSpan(dsdt, HeaderSize + aml.Length);
        aml.CopyTo(d[HeaderSize..]);
        WriteHeader(d, "DSDT", DsdtRevision);

        var f = block.AsSpan(fadt, FadtSize);
        Put32(f, 36, baseAddress + facs);
        Put32(f, 40, baseAddress + (uint)dsdt);
        Put16(f, 46, (ushort)Math.Max(hardware.SciInterrupt, 0));
        // SMI_CMD, ACPI_ENABLE, ACPI_DISABLE stay 0: the machine starts in ACPI mode (SCI_EN set).
        Put32(f, 56, hardware.Pm1aEventBlock);
        Put32(f, 64, hardware.Pm1aControlBlock);
        Put32(f, 76, hardware.PmTimerBlock);
        f[88] = 4;   // PM1_EVT_LEN
        f[89] = 2;   // PM1_CNT_LEN
        f[91] = 4;   // PM_TMR_LEN
        Put16(f, 96, 0x0fff);  // P_LVL2_LAT > 100: no C2
        Put16(f, 98, 0x0fff);  // P_LVL3_LAT > 1000: no C3
        f[108] = CmosCenturyIndex;
        Put32(f, 112, FlagWbinvd | FlagProcC1 | FlagSleepButtonIsControlMethod);
        WriteHeader(f, "FACP", FadtRevision);

        var r = block.AsSpan(rsdt, HeaderSize + 4 * tables);
        Put32(r, HeaderSize, baseAddress + (uint)fadt);
        if (apic != null)
            Put32(r, HeaderSize + 4, baseAddress + (uint)madt);
        WriteHeader(r, "RSDT", 1);

        var p = block.AsSpan(rsdp, RsdpSize);
        Encoding.ASCII.GetBytes("RSD PTR ").CopyTo(p);
        Encoding.ASCII.GetBytes(OemId).CopyTo(p[9..]);
        p[15] = 0; // revision 0: ACPI 1.0, RSDT only
        Put32(p, 16, baseAddress + rsdt);
        p[8] = Checksum(p);

        rsdpAddress = baseAddress + rsdp;
        return block[..end];
    }

    private const string OemId = "MINVMM";

    /// <summary>AML: <c>Name (_S5, Package (4) { type, type, 0, 0 })</c>.</summary>
    private static byte[] SoftOffAml(int sleepType)
    {
        const byte NameOp = 0x08, PackageOp = 0x12, BytePrefix = 0x0a;
        byte type = (byte)sleepType;
        return type == 0
            ? [NameOp, (byte)'_', (byte)'S', (byte)'5', (byte)'_', PackageOp, 6, 4, 0, 0, 0, 0]
            : [NameOp, (byte)'_', (byte)'S', (byte)'5', (byte)'_', PackageOp, 8, 4, BytePrefix, type, BytePrefix, type, 0, 0];
    }

    private static void WriteFacs(Span<byte> facs)
    {
        Encoding.ASCII.GetBytes("FACS").CopyTo(facs);
        Put32(facs, 4, FacsSize);
        // Hardware signature, waking vectors, global lock and flags stay 0 (no S4, no global lock owner).
    }

    /// <summary>The common table header (ACPI 6.5 table 5.4), checksum last.</summary>
    internal static void WriteHeader(Span<byte> table, string signature, byte revision)
    {
        Encoding.ASCII.GetBytes(signature).CopyTo(table);
        Put32(table, 4, (uint)table.Length);
        table[8] = revision;
        Encoding.ASCII.GetBytes(OemId).CopyTo(table[10..]);
        Encoding.ASCII.GetBytes("MINIVMM ").CopyTo(table[16..]);
        Put32(table, 24, 1);                               // OEM revision
        Encoding.ASCII.GetBytes("MVMM").CopyTo(table[28..]); // creator ID
        Put32(table, 32, 1);                               // creator revision
        table[9] = 0;
        table[9] = Checksum(table);
    }

    /// <summary>The byte that makes the sum of <paramref name="bytes"/> zero (mod 256), given the checksum byte is 0 now.</summary>
    private static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (byte b in bytes)
            sum += b;
        return (byte)-sum;
    }

    private static void Put16(Span<byte> s, int offset, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(s[offset..], v);

    private static void Put32(Span<byte> s, int offset, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(s[offset..], v);
}
