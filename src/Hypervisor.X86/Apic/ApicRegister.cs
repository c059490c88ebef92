namespace Hypervisor.X86.Apic;

/// <summary>Offsets of the local APIC's registers in its 4 KiB page (SDM Vol. 3, table 11-1); each is 32 bits, 16 bytes apart.</summary>
internal static class ApicRegister
{
    public const int Id = 0x020;
    public const int Version = 0x030;
    public const int TaskPriority = 0x080;
    public const int ArbitrationPriority = 0x090;
    public const int ProcessorPriority = 0x0A0;
    public const int Eoi = 0x0B0;
    public const int RemoteRead = 0x0C0;
    public const int LogicalDestination = 0x0D0;
    public const int DestinationFormat = 0x0E0;
    public const int SpuriousVector = 0x0F0;
    /// <summary>ISR bits 0-31 at 0x100, up to bits 224-255 at 0x170.</summary>
    public const int InService = 0x100;
    public const int TriggerMode = 0x180;
    public const int InterruptRequest = 0x200;
    public const int ErrorStatus = 0x280;
    public const int InterruptCommandLow = 0x300;
    public const int InterruptCommandHigh = 0x310;
    public const int LvtTimer = 0x320;
    public const int LvtThermal = 0x330;
    public const int LvtPerformance = 0x340;
    public const int LvtLint0 = 0x350;
    public const int LvtLint1 = 0x360;
    public const int LvtError = 0x370;
    public const int TimerInitialCount = 0x380;
    public const int TimerCurrentCount = 0x390;
    public const int TimerDivide = 0x3E0;
}

/// <summary>Bits of the local APIC's registers and of IA32_APIC_BASE.</summary>
internal static class ApicBits
{
    /// <summary>IA32_APIC_BASE (MSR 0x1B): this is the bootstrap processor.</summary>
    public const ulong BaseBsp = 1 << 8;
    /// <summary>IA32_APIC_BASE: the APIC is globally enabled.</summary>
    public const ulong BaseEnable = 1 << 11;
    /// <summary>IA32_APIC_BASE: the page of the registers (bits 12-35 on a 36-bit physical address space).</summary>
    public const ulong BaseAddressMask = 0xF_FFFF_F000;
    public const ulong DefaultBase = 0xFEE0_0000;

    /// <summary>Version 0x14 with six LVT entries (max LVT 5), QEMU's and the P6 family's integrated APIC.</summary>
    public const uint VersionValue = 0x0005_0014;

    /// <summary>SVR: the APIC is software-enabled.</summary>
    public const uint SvrEnable = 1 << 8;

    public const uint LvtVectorMask = 0xFF;
    public const int LvtDeliveryModeShift = 8;
    /// <summary>LVT and ICR: the delivery status (send pending); always idle here, delivery is immediate.</summary>
    public const uint DeliveryStatus = 1 << 12;
    public const uint LvtRemoteIrr = 1 << 14;
    public const uint LvtLevelTriggered = 1 << 15;
    public const uint LvtMasked = 1 << 16;
    public const int LvtTimerModeShift = 17;
    public const uint LvtTimerPeriodic = 1;

    /// <summary>Writable bits of each LVT entry (timer: vector, mask, mode; LINT: and delivery mode, polarity, trigger).</summary>
    public const uint LvtTimerWritable = 0xFF | LvtMasked | (3u << LvtTimerModeShift);
    public const uint LvtLintWritable = 0xFF | (7u << LvtDeliveryModeShift) | (1u << 13) | LvtLevelTriggered | LvtMasked;
    public const uint LvtOtherWritable = 0xFF | (7u << LvtDeliveryModeShift) | LvtMasked;
    public const uint LvtErrorWritable = 0xFF | LvtMasked;

    public const uint IcrDestinationLogical = 1 << 11;
    public const uint IcrLevelAssert = 1 << 14;
    public const uint IcrTriggerLevel = 1 << 15;
    public const int IcrShorthandShift = 18;
    public const uint IcrLowWritable = 0xFF | (7u << 8) | IcrDestinationLogical | IcrLevelAssert | IcrTriggerLevel | (3u << IcrShorthandShift);

    /// <summary>ESR: a vector below 16 was sent.</summary>
    public const uint EsrSendIllegalVector = 1 << 5;
    /// <summary>ESR: a vector below 16 was received.</summary>
    public const uint EsrReceiveIllegalVector = 1 << 6;
    /// <summary>ESR: a register outside the page's defined registers was accessed.</summary>
    public const uint EsrIllegalRegister = 1 << 7;

    /// <summary>DFR model in bits 28-31: flat (1111b) or cluster (0000b).</summary>
    public const uint DfrFlat = 0xF;
}
