namespace Hypervisor.Core.Accel;

/// <summary>
/// One virtual CPU, driven by exactly one host thread. Shaped after KVM_RUN: <see cref="Run"/>
/// executes guest code until the VMM is needed and describes why in <see cref="Exit"/>.
/// For an IN or an MMIO read the VMM fills <see cref="VcpuExit.Data"/> before the next
/// <see cref="Run"/>, which completes the instruction with that data (as KVM does).
/// </summary>
public interface IVcpu : IDisposable
{
    int Id { get; }

    /// <summary>The record of the last exit; the same object every time (no per-exit allocation).</summary>
    VcpuExit Exit { get; }

    /// <summary>Runs the guest until the next exit.</summary>
    VcpuExitReason Run();

    /// <summary>
    /// Thread-safe: makes a running (or the next) <see cref="Run"/> return <see cref="VcpuExitReason.Intr"/>
    /// promptly, leaving the vCPU consistent (KVM's immediate_exit plus a signal).
    /// </summary>
    void RequestExit();

    VcpuRegisters GetRegisters();

    void SetRegisters(in VcpuRegisters registers);

    VcpuSpecialRegisters GetSpecialRegisters();

    void SetSpecialRegisters(in VcpuSpecialRegisters registers);

    /// <summary>Instructions retired so far, where the accelerator can count them (the software CPU); else null.</summary>
    ulong? InstructionsRetired { get; }

    /// <summary>
    /// Where supported (the software CPU), <see cref="Run"/> returns <see cref="VcpuExitReason.Intr"/> once
    /// <see cref="InstructionsRetired"/> reaches this value. <see cref="ulong.MaxValue"/> for no limit.
    /// </summary>
    ulong InstructionLimit { get; set; }

    /// <summary>
    /// The interrupt controller that drives this vCPU's INTR line; null when none. The software CPU
    /// polls it between instructions; KVM injects its vectors with KVM_INTERRUPT (no in-kernel irqchip).
    /// </summary>
    Hypervisor.Abstractions.IInterruptController? InterruptController { get; set; }

    /// <summary>
    /// Thread-safe: a device line changed, so INTR may have risen. An accelerator that polls INTR between
    /// instructions ignores it; KVM leaves KVM_RUN so that the next <see cref="Run"/> injects the vector.
    /// </summary>
    void InterruptLineChanged();
}
