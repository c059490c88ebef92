namespace Hypervisor.X86.Cpu;

/// <summary>Segment register numbers in their ModRM encoding order.</summary>
internal static class Seg
{
    public const int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
    /// <summary>The LDTR and TR caches live after the six segment registers.</summary>
    public const int Ldtr = 6, Tr = 7;
}

/// <summary>General register numbers in their ModRM encoding order.</summary>
internal static class Gpr
{
    public const int EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
}

/// <summary>Exception vectors (SDM Vol. 3, 6.3.1).</summary>
internal static class Vector
{
    public const byte DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8;
    public const byte TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;
}
