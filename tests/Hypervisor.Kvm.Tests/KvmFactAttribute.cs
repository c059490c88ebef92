namespace Hypervisor.Kvm.Tests;

/// <summary>
/// A fact that needs a usable /dev/kvm: skipped, with the reason <see cref="KvmAccelerator.TryOpen(out string)"/>
/// gives (missing device, permission denied, wrong API version), where there is none.
/// </summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute()
    {
        if (KvmAvailability.Reason is { } reason)
            Skip = $"no usable KVM here: {reason}";
    }

    /// <summary>Also skipped on kvm_pvm, a software KVM without KVM_EXIT_DEBUG (breakpoints, watchpoints, single-step).</summary>
    public bool NeedsDebugExits
    {
        get => false;
        init
        {
            if (value && Skip == null && Directory.Exists("/sys/module/kvm_pvm"))
                Skip = "this KVM is kvm_pvm, which has no debug exits (the nested test bed runs this on real KVM)";
        }
    }
}

/// <summary>Whether KVM opens on this machine, asked once per test run.</summary>
public static class KvmAvailability
{
    private static readonly Lazy<string?> Unavailable = new(() =>
    {
        using var kvm = KvmAccelerator.TryOpen(out string reason);
        return kvm == null ? reason : null;
    });

    /// <summary>Null when /dev/kvm opens; else why not.</summary>
    public static string? Reason => Unavailable.Value;
}
