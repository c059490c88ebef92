namespace Hypervisor.X86.Cpu;

/// <summary>EFLAGS bits (Intel SDM Vol. 1, 3.4.3).</summary>
internal static class Eflags
{
    public const uint CF = 1u << 0;
    public const uint Reserved1 = 1u << 1;
    public const uint PF = 1u << 2;
    public const uint AF = 1u << 4;
    public const uint ZF = 1u << 6;
    public const uint SF = 1u << 7;
    public const uint TF = 1u << 8;
    public const uint IF = 1u << 9;
    public const uint DF = 1u << 10;
    public const uint OF = 1u << 11;
    public const uint IoplMask = 3u << 12;
    public const int IoplShift = 12;
    public const uint NT = 1u << 14;
    public const uint RF = 1u << 16;
    public const uint VM = 1u << 17;
    public const uint AC = 1u << 18;
    public const uint VIF = 1u << 19;
    public const uint VIP = 1u << 20;
    public const uint ID = 1u << 21;

    /// <summary>The six arithmetic status flags.</summary>
    public const uint Status = CF | PF | AF | ZF | SF | OF;

    /// <summary>Bits software can change at all on this CPU (a Pentium-class part with CPUID, no VME).</summary>
    public const uint Writable = Status | TF | IF | DF | IoplMask | NT | RF | AC | ID;
}

/// <summary>Control register bits (SDM Vol. 3, 2.5).</summary>
internal static class ControlBits
{
    public const uint Cr0PE = 1u << 0;
    public const uint Cr0MP = 1u << 1;
    public const uint Cr0EM = 1u << 2;
    public const uint Cr0TS = 1u << 3;
    public const uint Cr0ET = 1u << 4;
    public const uint Cr0NE = 1u << 5;
    public const uint Cr0WP = 1u << 16;
    public const uint Cr0AM = 1u << 18;
    public const uint Cr0NW = 1u << 29;
    public const uint Cr0CD = 1u << 30;
    public const uint Cr0PG = 1u << 31;

    public const uint Cr4VME = 1u << 0;
    public const uint Cr4PVI = 1u << 1;
    public const uint Cr4TSD = 1u << 2;
    public const uint Cr4DE = 1u << 3;
    public const uint Cr4PSE = 1u << 4;
    public const uint Cr4PAE = 1u << 5;
    public const uint Cr4PGE = 1u << 7;
    public const uint Cr4PCE = 1u << 8;
    public const uint Cr4OSFXSR = 1u << 9;
    public const uint Cr4OSXMMEXCPT = 1u << 10;

    /// <summary>CR4 bits this CPU implements; setting others raises #GP(0).</summary>
    public const uint Cr4Supported = Cr4TSD | Cr4DE | Cr4PSE | Cr4PAE | Cr4PGE | Cr4PCE | Cr4OSFXSR | Cr4OSXMMEXCPT;
}
