using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// A debugger attached to the exit loop (the gdb stub). Its calls come on the vCPU's thread and may
/// block while the debugger holds the vCPU stopped; they return once it lets the guest run again.
/// </summary>
public interface IVcpuDebugger
{
    /// <summary>Before the vCPU first runs: holds it when the user asked to start halted (--gdb-wait).</summary>
    void Starting(IVcpu vcpu);

    /// <summary>
    /// Every exit, before the loop handles it: true when it was the debugger's (a breakpoint, a step,
    /// its own interrupt request), handled, and the guest may run on; false leaves it to the loop.
    /// </summary>
    bool HandleExit(IVcpu vcpu, VcpuExitReason reason);
}
