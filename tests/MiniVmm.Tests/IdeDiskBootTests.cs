using System.Text;

namespace MiniVmm.Tests;

/// <summary>
/// SeaBIOS boots from the PIIX3 IDE disk of configs/linux-i386-disk.json: a test image whose MBR is
/// guests/disk/mbr-hello.bin reads its second sector back through int 13h (SeaBIOS's ATA PIO driver
/// underneath) and exits through isa-debug-exit; one whose MBR is guests/disk/mbr-poweroff.bin finds the
/// PM block where SeaBIOS programmed the piix4-pm function's PMBA and powers off through it. The Linux boot from the full image is
/// scripts/linux-guest/boot.sh --disk (minutes, not a unit test).
/// </summary>
public class IdeDiskBootTests
{
    private const int IdeEntry = 11; // devices[11] in configs/linux-i386-disk.json
    private static readonly string Mbr = Path.Combine(Minivmm.RepoRoot, "guests", "disk", "mbr-hello.bin");
    private static readonly string PowerOffMbr = Path.Combine(Minivmm.RepoRoot, "guests", "disk", "mbr-poweroff.bin");

    private static string DiskImage(TempFolder temp, string secondSector, string? mbr = null)
    {
        var image = new byte[1 << 20];
        File.ReadAllBytes(mbr ?? Mbr).CopyTo(image, 0);
        Encoding.ASCII.GetBytes(secondSector + "\0").CopyTo(image, 512);
        return temp.Write("disk.img", image);
    }

    private static Minivmm.Result Boot(TempFolder temp, string image, params string[] extra) => Minivmm.Run(TimeSpan.FromSeconds(120),
    [
        "--machine", Path.Combine(Minivmm.Configs, "linux-i386-disk.json"), "--set", "clock=deterministic",
        "--set", $"devices:1:options:backend=file:{temp.File("seabios-debug.log")}",
        "--set", $"devices:{IdeEntry}:options:image={image}", .. extra,
    ]);

    [SeabiosFact]
    public void Seabios_finds_the_ata_disk_boots_its_mbr_and_int13_reads_the_next_sector()
    {
        using var temp = new TempFolder();
        var result = Boot(temp, DiskImage(temp, "mbr-hello: sector 1 says hello\r\n"));

        Assert.Contains("Booting from Hard Disk", result.Stdout); // sercon flushes the last dots on a later tick
        Assert.Contains("mbr-hello: booted from the disk", result.Stdout);
        Assert.Contains("mbr-hello: sector 1 says hello", result.Stdout);
        Assert.Equal(33, result.ExitCode);
        string log = File.ReadAllText(temp.File("seabios-debug.log"));
        Assert.Contains("ata0-0: MiniVmm HARDDISK ATA-6 Hard-Disk (1 MiBytes)", log);
    }

    [SeabiosFact]
    public void Seabios_places_the_piix4_pm_block_at_pmba_where_the_pm_timer_counts_and_s5_powers_off()
    {
        using var temp = new TempFolder();
        var result = Boot(temp, DiskImage(temp, "", PowerOffMbr), "--log-level", "information");

        Assert.Contains("mbr-poweroff: PMBA 0xb001", result.Stdout); // SeaBIOS's acpi_pm_base, with the I/O bit
        Assert.Contains("mbr-poweroff: the PM timer counts; entering S5", result.Stdout);
        Assert.DoesNotContain("still running", result.Stdout);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("powered off (ACPI S5)", result.Stderr);
    }

    [SeabiosFact]
    public void A_missing_disk_image_is_a_machine_file_error_naming_the_option()
    {
        using var temp = new TempFolder();
        var result = Boot(temp, temp.File("absent.img"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("image", result.Stderr);
        Assert.Contains("no such file", result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
