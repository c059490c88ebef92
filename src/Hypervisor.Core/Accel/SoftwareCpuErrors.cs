namespace Hypervisor.Core.Accel;

/// <summary>
/// <see cref="VcpuExit.ErrorCode"/> values a software CPU gives its internal-error exits, so the
/// crash report says whose doing it was: the guest's, a limit of the emulator, or a MiniVmm bug.
/// KVM's own suberrors (KVM_INTERNAL_ERROR_*) are small numbers below these.
/// </summary>
public static class SoftwareCpuErrors
{
    /// <summary>The guest fetched an instruction from an address that is not RAM (it jumped into nothing).</summary>
    public const ulong GuestFetchOutsideRam = 0x100;

    /// <summary>The guest ran an instruction the software CPU does not implement.</summary>
    public const ulong UnimplementedInstruction = 0x101;

    /// <summary>The emulator itself failed: a MiniVmm bug.</summary>
    public const ulong EmulatorFault = 0x102;
}
