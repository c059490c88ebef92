using System.Buffers.Binary;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The ACPI MADT ("APIC", ACPI 6.5 section 5.2.12, revision 1 as ACPI 1.0 defines it): the local
/// APIC address, one Processor Local APIC entry per vCPU, each I/O APIC, the interrupt source
/// overrides of ISA IRQs wired to another pin (the PIT's IRQ 0 on pin 2) and of the SCI (level,
/// active high, as QEMU describes it), and LINT1 as every processor's NMI input. PCAT_COMPAT says the
/// 8259s are present too. What kvmtool and Firecracker write for a direct boot.
/// </summary>
internal static class AcpiMadt
{
    private const int HeaderSize = 36;
    private const uint PcatCompat = 1;
    private const byte TypeLocalApic = 0, TypeIoApic = 1, TypeSourceOverride = 2, TypeLocalApicNmi = 4;
    private const int LocalApicLength = 8, IoApicLength = 12, SourceOverrideLength = 10, LocalApicNmiLength = 6;
    private const uint ProcessorEnabled = 1;
    /// <summary>MPS INTI flags: polarity active high (01b), trigger level (11b).</summary>
    private const ushort ActiveHighLevel = 0x0D;
    private const byte AllProcessors = 0xFF;
    private const byte Lint1 = 1;

    /// <summary>The table's length for <paramref name="apic"/>.</summary>
    public static int Length(ApicPlatform apic, int sciInterrupt) =>
        HeaderSize + 8 + apic.ProcessorCount * LocalApicLength + apic.IoApics.Count * IoApicLength
        + Overrides(apic, sciInterrupt).Count() * SourceOverrideLength + LocalApicNmiLength;

    /// <summary>Writes the table, header included, into <paramref name="table"/> (exactly <see cref="Length"/> bytes).</summary>
    public static void Write(Span<byte> table, ApicPlatform apic, int sciInterrupt)
    {
        Put32(table, HeaderSize, ApicPlatform.LocalApicAddress);
        Put32(table, HeaderSize + 4, PcatCompat);
        int at = HeaderSize + 8;
        for (int cpu = 0; cpu < apic.ProcessorCount; cpu++)
        {
            table[at] = TypeLocalApic;
            table[at + 1] = LocalApicLength;
            table[at + 2] = (byte)cpu;   // ACPI processor UID
            table[at + 3] = (byte)cpu;   // APIC ID
            Put32(table, at + 4, ProcessorEnabled);
            at += LocalApicLength;
        }
        foreach (var io in apic.IoApics)
        {
            table[at] = TypeIoApic;
            table[at + 1] = IoApicLength;
            table[at + 2] = io.Id;
            Put32(table, at + 4, io.Address);
            Put32(table, at + 8, io.GsiBase);
            at += IoApicLength;
        }
        foreach (var (irq, gsi, flags) in Overrides(apic, sciInterrupt))
        {
            table[at] = TypeSourceOverride;
            table[at + 1] = SourceOverrideLength;
            table[at + 2] = 0; // bus: ISA
            table[at + 3] = (byte)irq;
            Put32(table, at + 4, gsi);
            Put16(table, at + 8, flags);
            at += SourceOverrideLength;
        }
        table[at] = TypeLocalApicNmi;
        table[at + 1] = LocalApicNmiLength;
        table[at + 2] = AllProcessors;
        Put16(table, at + 3, 0); // conforming polarity and trigger
        table[at + 5] = Lint1;
        AcpiTables.WriteHeader(table, "APIC", 1);
    }

    private static IEnumerable<(int Irq, uint Gsi, ushort Flags)> Overrides(ApicPlatform apic, int sciInterrupt)
    {
        foreach (var io in apic.IoApics)
        {
            foreach (var (irq, pin) in io.IsaOverrides.OrderBy(o => o.Key))
            {
                if (irq != sciInterrupt)
                    yield return (irq, io.GsiBase + (uint)pin, 0);
            }
        }
        if (sciInterrupt > 0 && apic.IoApics.Count > 0)
            yield return (sciInterrupt, (uint)sciInterrupt, ActiveHighLevel);
    }

    private static void Put16(Span<byte> s, int offset, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(s[offset..], v);

    private static void Put32(Span<byte> s, int offset, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(s[offset..], v);
}
