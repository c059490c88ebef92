using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>The boot formats a machine can use, one <see cref="IBootLoader"/> each; a new format is one class and one line here.</summary>
public static class BootLoaders
{
    public static IReadOnlyList<IBootLoader> All { get; } =
    [
        new FlatImageLoader(),
        new MultibootLoader(),
        new LinuxKernelLoader(),
        new FirmwareLoader(),
    ];

    /// <summary>The loader for <paramref name="format"/>, or null.</summary>
    public static IBootLoader? Find(string format) => All.FirstOrDefault(l => l.Format == format);

    /// <summary>Loads <paramref name="boot"/> with its format's loader.</summary>
    public static BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null) =>
        (Find(boot.Format) ?? throw new BootImageException(
            $"boot format '{boot.Format}' is not supported (expected {string.Join(", ", All.Select(l => l.Format))})"))
        .Load(boot, memory, platform);
}
