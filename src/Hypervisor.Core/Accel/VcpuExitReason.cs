namespace Hypervisor.Core.Accel;

/// <summary>Why <see cref="IVcpu.Run"/> returned; the names and meanings of KVM's KVM_EXIT_* reasons.</summary>
public enum VcpuExitReason
{
    /// <summary>KVM_EXIT_UNKNOWN: the hardware reported something the accelerator cannot name.</summary>
    Unknown = 0,
    /// <summary>KVM_EXIT_IO: IN/OUT (or INS/OUTS) to a port.</summary>
    Io = 2,
    /// <summary>KVM_EXIT_DEBUG: a debug stop (single step, breakpoint).</summary>
    Debug = 4,
    /// <summary>KVM_EXIT_HLT: HLT with nothing to wake the vCPU.</summary>
    Hlt = 5,
    /// <summary>KVM_EXIT_MMIO: a load or store to a guest physical address no RAM slot backs.</summary>
    Mmio = 6,
    /// <summary>KVM_EXIT_SHUTDOWN: triple fault.</summary>
    Shutdown = 8,
    /// <summary>KVM_EXIT_FAIL_ENTRY: the vCPU state could not be entered.</summary>
    FailEntry = 9,
    /// <summary>KVM_EXIT_INTR: <see cref="IVcpu.RequestExit"/> or an instruction limit; the guest may continue.</summary>
    Intr = 10,
    /// <summary>KVM_EXIT_INTERNAL_ERROR: emulation failure (unimplemented instruction, fetch from unmapped memory).</summary>
    InternalError = 17,
}
