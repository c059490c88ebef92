namespace Hypervisor.Core.Boot;

/// <summary>Control-register, EFER, APIC-base and page-table bits used by the entry states (Intel SDM Vol. 3A §2.5, §4.5).</summary>
public static class X86Bits
{
    /// <summary>CR0.PE: protection enable.</summary>
    public const ulong Cr0ProtectionEnable = 1ul << 0;
    /// <summary>CR0.ET: extension type (always 1 on modern CPUs).</summary>
    public const ulong Cr0ExtensionType = 1ul << 4;
    /// <summary>CR0.NE: native x87 error reporting.</summary>
    public const ulong Cr0NumericError = 1ul << 5;
    /// <summary>CR0.PG: paging.</summary>
    public const ulong Cr0Paging = 1ul << 31;

    /// <summary>CR4.PAE: physical address extension (required for long mode).</summary>
    public const ulong Cr4PhysicalAddressExtension = 1ul << 5;

    /// <summary>EFER.LME: long mode enable.</summary>
    public const ulong EferLongModeEnable = 1ul << 8;
    /// <summary>EFER.LMA: long mode active.</summary>
    public const ulong EferLongModeActive = 1ul << 10;

    /// <summary>IA32_APIC_BASE: the architectural base 0xFEE00000 with the global enable bit (11).</summary>
    public const ulong ApicBaseEnabled = 0xfee0_0000ul | (1ul << 11);
    /// <summary>IA32_APIC_BASE.BSP: this processor is the bootstrap processor.</summary>
    public const ulong ApicBaseBootstrapProcessor = 1ul << 8;

    /// <summary>RFLAGS bit 1, reserved, always set.</summary>
    public const ulong RflagsReserved = 1ul << 1;

    /// <summary>Page-table entry: present.</summary>
    public const ulong PagePresent = 1ul << 0;
    /// <summary>Page-table entry: writable.</summary>
    public const ulong PageWritable = 1ul << 1;
    /// <summary>Page-directory entry: maps a 2 MiB page (PS).</summary>
    public const ulong PageLarge = 1ul << 7;

    /// <summary>Segment type: execute/read code, accessed.</summary>
    public const byte CodeExecuteReadAccessed = 0xb;
    /// <summary>Segment type: read/write data, accessed.</summary>
    public const byte DataReadWriteAccessed = 0x3;
    /// <summary>System segment type: busy 32/64-bit TSS.</summary>
    public const byte BusyTss = 0xb;
    /// <summary>System segment type: LDT.</summary>
    public const byte Ldt = 0x2;
}
