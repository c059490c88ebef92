using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Boot;

/// <summary>The register state a boot loader leaves for vCPU 0, as an accelerator takes it.</summary>
public sealed class BootState
{
    public VcpuRegisters Registers;
    public VcpuSpecialRegisters SpecialRegisters;
}
