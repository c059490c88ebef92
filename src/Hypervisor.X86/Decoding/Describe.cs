using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Text for error reports: the instruction's bytes as fetched and Iced's disassembly.</summary>
internal sealed unsafe partial class Cpu
{
    private static readonly HashSet<CpuidFeature> AdvertisedFeatures =
    [
        CpuidFeature.INTEL8086, CpuidFeature.INTEL8086_ONLY, CpuidFeature.INTEL186, CpuidFeature.INTEL286,
        CpuidFeature.INTEL286_ONLY, CpuidFeature.INTEL386, CpuidFeature.INTEL386_ONLY, CpuidFeature.INTEL386_A0_ONLY,
        CpuidFeature.INTEL486, CpuidFeature.INTEL486_A_ONLY, CpuidFeature.FPU, CpuidFeature.FPU287,
        CpuidFeature.FPU287XL_ONLY, CpuidFeature.FPU387, CpuidFeature.CPUID, CpuidFeature.TSC, CpuidFeature.MSR,
        CpuidFeature.CX8, CpuidFeature.CMOV, CpuidFeature.FXSR, CpuidFeature.RDPMC, CpuidFeature.PAUSE, CpuidFeature.MULTIBYTENOP,
        CpuidFeature.SSE, CpuidFeature.SSE2, CpuidFeature.CLFSH, CpuidFeature.X64, CpuidFeature.SYSCALL,
        CpuidFeature.SEP, CpuidFeature.CMPXCHG16B, CpuidFeature.RDTSCP,
    ];

    /// <summary>False for instructions a CPU with our CPUID would reject with #UD (MMX, SSE3 and later, AVX, ...).</summary>
    private static bool IsWithinAdvertisedFeatures(in Instruction instr)
    {
        if (instr.Code == Code.INVALID || UsesMmxRegisters(instr.Code))
            return false;
        foreach (var f in instr.CpuidFeatures)
        {
            if (!AdvertisedFeatures.Contains(f))
                return false;
        }
        return true;
    }

    /// <summary>Bytes (re-read from guest memory without faulting) and AT&amp;T disassembly of an instruction at the current CS:EIP.</summary>
    public string DescribeAt(in Instruction instr)
    {
        var sb = new System.Text.StringBuilder();
        ulong la = CodeLinear(_instrRip);
        int length = Math.Max(instr.Length, 1);
        for (int i = 0; i < length; i++)
        {
            int b = PeekLinearByte(la + (uint)i);
            sb.Append(b < 0 ? "??" : b.ToString("x2"));
            if (i + 1 < length)
                sb.Append(' ');
        }
        var output = new StringOutput();
        new GasFormatter().Format(instr, output);
        return $"bytes [{sb}] ({output.ToStringAndReset()})";
    }

    /// <summary>A byte at a linear address for diagnostics: no faults, no side effects, -1 when unreadable.</summary>
    private int PeekLinearByte(ulong la)
    {
        if (!TryTranslateQuietly(la, out ulong phys))
            return -1;
        byte* p = Phys.Host(phys);
        return p == null ? -1 : *p;
    }

    /// <summary>Walks the page tables without setting A/D bits or raising #PF (32-bit and PAE).</summary>
    private bool TryTranslateQuietly(ulong la, out ulong phys)
    {
        phys = la;
        if (!PagingEnabled)
            return true;
        if ((Cr4 & ControlBits.Cr4PAE) != 0)
        {
            ulong pdpte = ReadPhysical64((Cr3 & 0xFFFFFFE0) + ((la >> 30) << 3));
            if ((pdpte & 1) == 0) return false;
            ulong pde = ReadPhysical64((pdpte & 0xFFFFFF000UL) + (((la >> 21) & 0x1FF) << 3));
            if ((pde & 1) == 0) return false;
            if ((pde & 0x80) != 0) { phys = (pde & 0xFFFE00000UL) | (la & 0x1FFFFF); return true; }
            ulong pte = ReadPhysical64((pde & 0xFFFFFF000UL) + (((la >> 12) & 0x1FF) << 3));
            if ((pte & 1) == 0) return false;
            phys = (pte & 0xFFFFFF000UL) | (la & 0xFFF);
            return true;
        }
        uint pde32 = ReadPhysical32((Cr3 & 0xFFFFF000) + ((la >> 22) << 2));
        if ((pde32 & 1) == 0) return false;
        if ((pde32 & 0x80) != 0 && (Cr4 & ControlBits.Cr4PSE) != 0) { phys = (pde32 & 0xFFC00000) | (la & 0x3FFFFF); return true; }
        uint pte32 = ReadPhysical32((pde32 & 0xFFFFF000) + (((la >> 12) & 0x3FF) << 2));
        if ((pte32 & 1) == 0) return false;
        phys = (pte32 & 0xFFFFF000) | (la & 0xFFF);
        return true;
    }
}
