using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// Boot format "bios": nothing is copied into RAM — the machine maps the image as ROM
/// (<see cref="FirmwareMemory"/>, built with the RAM) — and vCPU 0 starts at the reset vector.
/// </summary>
public sealed class FirmwareLoader : IBootLoader
{
    public const string FormatName = "bios";

    public string Format => FormatName;

    public BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null) => ResetVectorEntry.State();
}
