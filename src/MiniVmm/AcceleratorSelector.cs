using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;

using Serilog;

namespace MiniVmm;

/// <summary>Chooses the accelerator: KVM when asked for (or when auto finds /dev/kvm), else the software CPU.</summary>
internal static class AcceleratorSelector
{
    /// <summary>Thrown when the requested accelerator cannot be used; the message names the cause.</summary>
    public sealed class UnavailableException(string message) : Exception(message);

    public static IAccelerator Select(AcceleratorKind kind, ILogger logger)
    {
        switch (kind)
        {
            case AcceleratorKind.Soft:
                return CreateSoft();
            case AcceleratorKind.Kvm:
                return OpenKvm(out string reason) ?? throw new UnavailableException($"the kvm accelerator is unavailable: {reason}");
            default:
                if (OpenKvm(out string why) is { } kvm)
                {
                    logger.Information("Accelerator: kvm (/dev/kvm opened)");
                    return kvm;
                }
                logger.Information("Accelerator: soft (the software x86 CPU), because KVM is unavailable: {Reason}", why);
                return CreateSoft();
        }
    }

    private static IAccelerator CreateSoft() =>
        throw new UnavailableException("the software x86 CPU is not part of this build yet");

    private static IAccelerator? OpenKvm(out string reason)
    {
        reason = File.Exists("/dev/kvm") ? "KVM support is not built into this minivmm yet" : "/dev/kvm does not exist";
        return null;
    }
}
