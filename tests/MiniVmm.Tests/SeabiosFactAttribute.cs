namespace MiniVmm.Tests;

/// <summary>
/// A fact that boots Debian's SeaBIOS (and, where named, other firmware files): skipped, with the
/// reason, where the packages are not installed (scripts/seabios/run.sh installs them).
/// </summary>
public sealed class SeabiosFactAttribute : FactAttribute
{
    public const string Bios = "/usr/share/seabios/bios-256k.bin";
    public const string LinuxBoot = "/usr/share/qemu/linuxboot_dma.bin";

    public SeabiosFactAttribute(params string[] alsoNeeded)
    {
        foreach (var file in alsoNeeded.Prepend(Bios))
        {
            if (!File.Exists(file))
            {
                Skip = $"{file} is not installed (apt-get install seabios qemu-system-data, or scripts/seabios/run.sh)";
                return;
            }
        }
    }
}
