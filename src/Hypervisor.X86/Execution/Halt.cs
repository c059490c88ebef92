using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// HLT (SDM Vol. 2): with IF = 0 or no interrupt controller nothing can wake the CPU, so the VMM
/// gets a Hlt exit (as KVM without an in-kernel irqchip). Otherwise the vCPU thread sleeps until
/// the controller raises INTR or RequestExit is called, then the interrupt is delivered.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>How often a halted CPU polls the interrupt controller (it has no wake-up callback).</summary>
    private const int HaltPollMilliseconds = 1;

    private void Hlt()
    {
        if (ProtectedMode && Cpl != 0)
            throw GP();
        var pic = InterruptController;
        if ((Flags & Eflags.IF) == 0 || pic == null)
        {
            if ((Volatile.Read(ref _attention) & AttentionNmi) != 0)
                return; // an NMI is already waiting: it wakes the CPU
            SetExit(VcpuExitReason.Hlt);
            _exitPending = true;
            return;
        }
        while (!pic.HasPendingInterrupt)
        {
            if ((Volatile.Read(ref _attention) & AttentionNmi) != 0)
                break; // the NMI is taken at the next boundary
            if ((Volatile.Read(ref _attention) & AttentionExitRequested) != 0)
            {
                // Resume at the HLT after the exit, so the guest stays halted.
                Eip = _instrEip;
                return;
            }
            _wake.Wait(HaltPollMilliseconds);
        }
        _interruptShadow = false;
    }
}
