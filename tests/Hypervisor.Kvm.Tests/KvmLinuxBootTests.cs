using Hypervisor.Kvm.Tests.Scenarios;
using Xunit.Abstractions;

namespace Hypervisor.Kvm.Tests;

/// <summary>A fact that needs KVM and a Linux bzImage (see <see cref="LinuxBootScenario.FindKernel"/>).</summary>
public sealed class KvmLinuxFactAttribute : FactAttribute
{
    public KvmLinuxFactAttribute()
    {
        if (KvmAvailability.Reason is { } reason)
            Skip = $"no usable KVM here: {reason}";
        else if (LinuxBootScenario.FindKernel() == null)
            Skip = $"opt-in: set {LinuxBootScenario.KernelVariable} to a bzImage (e.g. from scripts/kvm-testbed/fetch-kernel.sh) to boot Linux under KVM";
    }
}

public sealed class KvmLinuxBootTests(ITestOutputHelper output)
{
    [KvmLinuxFact]
    public void Debian_kernel_boots_through_the_64_bit_boot_protocol_and_prints_our_e820_map()
    {
        using var kvm = KvmAccelerator.Open();
        var result = LinuxBootScenario.BootToE820Map(kvm, LinuxBootScenario.FindKernel()!, TimeSpan.FromSeconds(120));
        output.WriteLine($"first serial byte after {result.FirstSerialByte.TotalMilliseconds:F0} ms, E820 line after {result.Marker.TotalMilliseconds:F0} ms");
        Assert.Contains(LinuxBootScenario.E820Marker, result.Console);
    }
}
