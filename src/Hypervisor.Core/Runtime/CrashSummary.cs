using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Runtime;

/// <summary>The first line of a guest crash report: what happened, in words that say whose doing it was.</summary>
internal static class CrashSummary
{
    public static string Of(VcpuExitReason reason, VcpuExit exit)
    {
        string summary = reason switch
        {
            VcpuExitReason.Shutdown => "guest shut down (triple fault)",
            VcpuExitReason.InternalError => exit.ErrorCode switch
            {
                SoftwareCpuErrors.GuestFetchOutsideRam => "the guest jumped outside RAM",
                SoftwareCpuErrors.UnimplementedInstruction => "the guest ran an instruction the software CPU does not implement (--accel kvm may run it)",
                SoftwareCpuErrors.EmulatorFault => "the software CPU failed (a MiniVmm bug: please report it with this output)",
                _ => $"KVM could not run the guest (internal error, suberror {exit.ErrorCode})",
            },
            VcpuExitReason.FailEntry => $"vCPU entry failed (hardware_entry_failure_reason 0x{exit.ErrorCode:x})",
            VcpuExitReason.Debug => "unexpected debug exit",
            _ => $"unexpected exit {reason} (0x{exit.ErrorCode:x})",
        };
        return exit.Message is { Length: > 0 } message ? $"{summary}: {message}" : summary;
    }
}
