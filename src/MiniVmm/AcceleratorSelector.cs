using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;

using Hypervisor.Kvm;
using Hypervisor.X86;
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

    private static IAccelerator CreateSoft() => new SoftAccelerator();

    private static IAccelerator? OpenKvm(out string reason) => KvmAccelerator.TryOpen(out reason);
}
