namespace Hypervisor.X86.Cpu;

/// <summary>
/// The processor this CPU says it is (CPUID, SDM Vol. 2A) and the model-specific registers its
/// kernel reads for that model. The identity is a real core's: GenuineIntel, family 6 model 26
/// stepping 5 with its brand string, an Intel Core i7-920 (Nehalem, D0): an Intel 64 part with
/// SYSENTER in IA-32e mode, CMPXCHG16B, LAHF/SAHF in 64-bit mode and RDTSCP, which Linux knows by
/// name. The feature bits are exactly what is implemented, nothing more: no MMX, SSE3 and later,
/// POPCNT, MTRR, PAT, MCE or the like that the real part has. The leaves are 0, 1 and 0x80000000-4
/// and 0x80000008; no cache (2, 4), topology (0xB) or performance-monitoring (0xA) leaves, so the
/// maximum basic leaf is 1, and a leaf beyond either maximum returns leaf 1 (SDM CPUID: "the data
/// for the highest basic information leaf", as QEMU); 0x80000005-7 read 0.
/// </summary>
internal sealed partial class Cpu
{
    private const uint ExtendedLeafBase = 0x80000000;
    private const uint MaxBasicLeaf = 1;
    private const uint MaxExtendedLeaf = ExtendedLeafBase + 8;

    /// <summary>
    /// CPUID leaf 1 EAX, and EDX after reset: family 6, model 26 (extended model 1, model 0xA),
    /// stepping 5. Linux treats it as Nehalem (family 6 model 0x1A).
    /// </summary>
    public const uint CpuSignature = 0x106A5;

    /// <summary>The leaves 0x80000002-4: the i7-920's brand string, NUL-padded to 48 bytes.</summary>
    public const string BrandString = "Intel(R) Core(TM) i7 CPU         920  @ 2.67GHz";

    /// <summary>Leaf 1 EDX: FPU | PSE | TSC | MSR | PAE | CX8 | SEP | PGE | CMOV | CLFSH | FXSR | SSE | SSE2 (APIC is added while enabled).</summary>
    public const uint CpuidFeatures = (1u << 0) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8)
        | (1u << 11) | (1u << 13) | (1u << 15) | (1u << 19) | (1u << 24) | (1u << 25) | (1u << 26);

    /// <summary>Leaf 1 ECX: CX16 (CMPXCHG16B) only.</summary>
    public const uint CpuidFeaturesEcx = 1u << 13;

    /// <summary>Leaf 1 EBX[15:8]: the CLFLUSH line size in 8-byte units (64 bytes).</summary>
    public const uint CpuidClflushLine = 8u << 8;

    /// <summary>Leaf 1 EDX bit 9: an on-chip APIC (only on machines with <c>"apic": true</c>).</summary>
    public const uint CpuidApic = 1u << 9;

    /// <summary>Leaf 0x80000001 EDX: SYSCALL | NX | RDTSCP | LM.</summary>
    public const uint ExtendedFeatures = (1u << 11) | (1u << 20) | (1u << 27) | (1u << 29);

    /// <summary>Leaf 0x80000001 ECX: LAHF/SAHF in 64-bit mode.</summary>
    public const uint ExtendedFeaturesEcx = 1u << 0;

    /// <summary>IA32_PLATFORM_ID (read-only): Linux's microcode driver reads it unguarded on family 6 model 5 and later.</summary>
    private const uint MsrPlatformId = 0x17;

    /// <summary>IA32_MISC_ENABLE: Linux reads it (unguarded) on family 6 model 0xD and later for the fast-string bit.</summary>
    private const uint MsrMiscEnable = 0x1A0;

    /// <summary>Fast strings (bit 0: REP MOVS/STOS run in bulk), no branch trace store (11) nor PEBS (12): QEMU's value.</summary>
    private const ulong MiscEnableReset = (1UL << 0) | (1UL << 11) | (1UL << 12);

    private static readonly uint[] BrandWords = BrandToWords(BrandString);

    /// <summary>IA32_MISC_ENABLE as the guest last wrote it (the bits change nothing else, as in QEMU).</summary>
    public ulong MiscEnable = MiscEnableReset;

    /// <summary>CPUID: the model above; in 64-bit mode the four results zero-extend like any 32-bit register write.</summary>
    private void Cpuid()
    {
        uint leaf = R(Gpr.EAX);
        if (leaf is > MaxBasicLeaf and < ExtendedLeafBase or > MaxExtendedLeaf)
            leaf = MaxBasicLeaf;
        uint a = 0, b = 0, c = 0, d = 0;
        switch (leaf)
        {
            case 0:
                a = MaxBasicLeaf;
                b = 0x756E6547; // "Genu"
                d = 0x49656E69; // "ineI"
                c = 0x6C65746E; // "ntel"
                break;
            case 1:
                a = CpuSignature;
                // With a local APIC: EDX.APIC (bit 9, while globally enabled) and the initial APIC ID in EBX[31:24].
                b = (LocalApic is { } apic ? (uint)apic.InitialId << 24 : 0) | CpuidClflushLine;
                c = CpuidFeaturesEcx;
                d = CpuidFeatures | (ApicPageEnabled ? CpuidApic : 0);
                break;
            case ExtendedLeafBase:
                a = MaxExtendedLeaf;
                break;
            case ExtendedLeafBase + 1:
                c = ExtendedFeaturesEcx;
                d = ExtendedFeatures;
                break;
            case >= ExtendedLeafBase + 2 and <= ExtendedLeafBase + 4:
            {
                int i = (int)(leaf - ExtendedLeafBase - 2) * 4;
                (a, b, c, d) = (BrandWords[i], BrandWords[i + 1], BrandWords[i + 2], BrandWords[i + 3]);
                break;
            }
            case ExtendedLeafBase + 8:
                a = 0x3028; // 40 physical, 48 linear address bits (QEMU's default)
                break;
        }
        R64(Gpr.EAX) = a;
        R64(Gpr.EBX) = b;
        R64(Gpr.ECX) = c;
        R64(Gpr.EDX) = d;
    }

    /// <summary>IA32_PLATFORM_ID reads 0 (platform 0 of bits 52:50, as KVM reports); IA32_MISC_ENABLE as written.</summary>
    private bool TryReadModelMsr(uint msr, out ulong value)
    {
        value = msr == MsrMiscEnable ? MiscEnable : 0;
        return msr is MsrMiscEnable or MsrPlatformId;
    }

    private bool TryWriteModelMsr(uint msr, ulong value)
    {
        if (msr == MsrPlatformId)
            throw GP(); // read-only
        if (msr != MsrMiscEnable)
            return false;
        MiscEnable = value;
        return true;
    }

    private static uint[] BrandToWords(string brand)
    {
        var bytes = new byte[48];
        System.Text.Encoding.ASCII.GetBytes(brand, bytes);
        var words = new uint[12];
        for (int i = 0; i < 12; i++)
            words[i] = BitConverter.ToUInt32(bytes, i * 4);
        return words;
    }
}
