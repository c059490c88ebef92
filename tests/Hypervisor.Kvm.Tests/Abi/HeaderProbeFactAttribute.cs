namespace Hypervisor.Kvm.Tests.Abi;

/// <summary>A fact that is skipped, with the reason, where gcc or &lt;linux/kvm.h&gt; is missing.</summary>
public sealed class HeaderProbeFactAttribute : FactAttribute
{
    public HeaderProbeFactAttribute()
    {
        if (HeaderProbe.Unavailable() is { } reason)
            Skip = reason;
    }
}
