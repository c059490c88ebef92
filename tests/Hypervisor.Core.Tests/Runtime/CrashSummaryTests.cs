using Hypervisor.Core.Accel;
using Hypervisor.Core.Runtime;

namespace Hypervisor.Core.Tests.Runtime;

/// <summary>A crash report's first line says whose doing the crash was.</summary>
public class CrashSummaryTests
{
    private static unsafe VcpuExit Exit() => new(null, 0);

    private static VcpuExit InternalError(ulong code, string message)
    {
        var exit = Exit();
        exit.Reason = VcpuExitReason.InternalError;
        exit.ErrorCode = code;
        exit.Message = message;
        return exit;
    }

    [Theory]
    [InlineData(SoftwareCpuErrors.GuestFetchOutsideRam, "the guest jumped outside RAM: fetch")]
    [InlineData(SoftwareCpuErrors.UnimplementedInstruction, "the guest ran an instruction the software CPU does not implement")]
    [InlineData(SoftwareCpuErrors.EmulatorFault, "the software CPU failed (a MiniVmm bug")]
    [InlineData(1UL, "KVM could not run the guest (internal error, suberror 1): fetch")]
    public void Internal_errors_name_their_cause(ulong code, string expected)
        => Assert.StartsWith(expected, CrashSummary.Of(VcpuExitReason.InternalError, InternalError(code, "fetch")));

    [Fact]
    public void A_triple_fault_is_the_guest_shutting_down()
        => Assert.Equal("guest shut down (triple fault)", CrashSummary.Of(VcpuExitReason.Shutdown, Exit()));
}
