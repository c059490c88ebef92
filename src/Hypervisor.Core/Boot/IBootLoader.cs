using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// One boot format of <c>"boot": { "format": … }</c>: copies what the machine file names into guest
/// RAM and returns vCPU 0's entry state. Throws <see cref="BootImageException"/> naming the file and
/// the reason when it cannot.
/// </summary>
public interface IBootLoader
{
    /// <summary>The <c>boot.format</c> value this loader serves ("flat", "multiboot", "linux").</summary>
    string Format { get; }

    BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null);
}
