namespace Hypervisor.X86.Cpu;

/// <summary>
/// RDTSCP (CPUID.80000001:EDX.RDTSCP): RDTSC's EDX:EAX plus ECX = IA32_TSC_AUX[31:0] (MSR 0xC0000103,
/// which the OS sets to a CPU number; Linux's vgetcpu reads it). CR4.TSD makes it #GP(0) above CPL 0.
/// </summary>
internal sealed partial class Cpu
{
    private const uint MsrTscAux = 0xC0000103;

    /// <summary>IA32_TSC_AUX: bits 31:0 are writable, 63:32 reserved.</summary>
    public ulong TscAux;

    /// <summary>RDTSCP: RDTSC (its CR4.TSD check and EDX:EAX) plus ECX = IA32_TSC_AUX[31:0].</summary>
    private void Rdtscp()
    {
        Rdtsc();
        SetRegister32(Gpr.ECX, (uint)TscAux);
    }

    private bool TryReadTscAux(uint msr, out ulong value)
    {
        value = TscAux;
        return msr == MsrTscAux;
    }

    private bool TryWriteTscAux(uint msr, ulong value)
    {
        if (msr != MsrTscAux)
            return false;
        if ((value >> 32) != 0)
            throw GP();
        TscAux = value;
        return true;
    }
}
