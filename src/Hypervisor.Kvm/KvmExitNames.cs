using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>Names of KVM exit reasons, for messages about exits MiniVmm does not handle.</summary>
internal static class KvmExitNames
{
    public static string Describe(uint reason) => reason switch
    {
        KvmExitReason.Unknown => "KVM_EXIT_UNKNOWN",
        KvmExitReason.Exception => "KVM_EXIT_EXCEPTION",
        KvmExitReason.Io => "KVM_EXIT_IO",
        KvmExitReason.Hypercall => "KVM_EXIT_HYPERCALL",
        KvmExitReason.Debug => "KVM_EXIT_DEBUG",
        KvmExitReason.Hlt => "KVM_EXIT_HLT",
        KvmExitReason.Mmio => "KVM_EXIT_MMIO",
        KvmExitReason.IrqWindowOpen => "KVM_EXIT_IRQ_WINDOW_OPEN",
        KvmExitReason.Shutdown => "KVM_EXIT_SHUTDOWN",
        KvmExitReason.FailEntry => "KVM_EXIT_FAIL_ENTRY",
        KvmExitReason.Intr => "KVM_EXIT_INTR",
        KvmExitReason.SetTpr => "KVM_EXIT_SET_TPR",
        KvmExitReason.TprAccess => "KVM_EXIT_TPR_ACCESS",
        KvmExitReason.Nmi => "KVM_EXIT_NMI",
        KvmExitReason.InternalError => "KVM_EXIT_INTERNAL_ERROR",
        KvmExitReason.SystemEvent => "KVM_EXIT_SYSTEM_EVENT",
        KvmExitReason.IoapicEoi => "KVM_EXIT_IOAPIC_EOI",
        _ => "not named in MiniVmm",
    };
}
