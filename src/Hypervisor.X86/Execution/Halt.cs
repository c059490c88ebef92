using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// HLT (SDM Vol. 2). The CPU stops at the next instruction boundary until an interrupt (or NMI)
/// arrives. Like KVM without an in-kernel irqchip, a halt the CPU cannot end by itself is a Hlt
/// exit with EIP past the HLT: the VMM's loop then ends the VM (IF = 0, no interrupt controller)
/// or sleeps until the controller asserts INTR, letting the machine's clock move time forward
/// (deterministic mode jumps to the next timer), and calls Run again, which takes the interrupt.
/// </summary>
internal sealed partial class Cpu
{
    private void Hlt()
    {
        if (ProtectedMode && Cpl != 0)
            throw GP();
        if ((Volatile.Read(ref _attention) & AttentionNmi) != 0)
            return; // an NMI is already waiting: it wakes the CPU at the next boundary
        var pic = InterruptController;
        if ((Flags & Eflags.IF) != 0 && pic is { HasPendingInterrupt: true })
        {
            _interruptShadow = false; // INTR is already up: the interrupt is taken at once
            return;
        }
        if (SharedMemory)
        {
            // One of several vCPUs sleeps in Run() (CpuApic.SleepWhileParked): with IF = 0 until NMI
            // or INIT (the machine runs on), with IF = 1 until INTR too.
            if ((Flags & Eflags.IF) == 0)
                _haltedUntilNmi = true;
            else
                _haltedUntilInterrupt = true;
            SetExit(VcpuExitReason.Intr);
            _exitPending = true;
            return;
        }
        SetExit(VcpuExitReason.Hlt);
        _exitPending = true;
    }
}
