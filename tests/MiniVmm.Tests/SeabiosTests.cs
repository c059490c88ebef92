namespace MiniVmm.Tests;

/// <summary>
/// Debian's SeaBIOS on the software CPU with configs/seabios.json: the BIOS ROM below 4 GiB and its
/// PAM-shadowed alias, fw_cfg, the PC chips. On the deterministic clock SeaBIOS's "retry in 60
/// seconds" passes in a moment and its reboot ends the run (onReset: exit), so the runs are short.
/// </summary>
public class SeabiosTests
{
    private static readonly string Kernel = Path.Combine(Minivmm.RepoRoot, "guests", "linuxboot", "setup-hello.bzImage");

    private static Minivmm.Result Boot(TempFolder temp, params string[] extra) => Minivmm.Run(TimeSpan.FromSeconds(120),
    [
        "--machine", Path.Combine(Minivmm.Configs, "seabios.json"), "--set", "clock=deterministic",
        "--set", $"devices:1:options:backend=file:{temp.File("seabios-debug.log")}", .. extra,
    ]);

    [SeabiosFact]
    public void Seabios_prints_its_banner_on_com1_and_finds_no_bootable_device()
    {
        using var temp = new TempFolder();
        var result = Boot(temp);

        Assert.Contains("SeaBIOS (version", result.Stdout);
        Assert.Contains("No bootable device.", result.Stdout);
        Assert.Equal(0, result.ExitCode); // SeaBIOS's reboot after the retry delay, under onReset: exit
        string log = File.ReadAllText(temp.File("seabios-debug.log"));
        Assert.Contains("Found QEMU fw_cfg", log);
        Assert.Contains("QEMU fw_cfg DMA interface supported", log);
        Assert.Contains("qemu/e820: addr 0x0000000000000000 len 0x0000000008000000 [RAM]", log);
        Assert.Contains("sercon: using ioport 0x3f8", log);
    }

    [SeabiosFact(SeabiosFactAttribute.LinuxBoot)]
    public void Seabios_boots_a_kernel_from_fw_cfg_through_linuxboot()
    {
        using var temp = new TempFolder();
        var result = Boot(temp,
            "--set", $"devices:0:options:kernel={Kernel}", "--set", "devices:0:options:cmdline=console=ttyS0 hello");

        Assert.Contains("setup entered, cmdline: console=ttyS0 hello", result.Stdout);
        Assert.Contains("kernel at 1 MiB", result.Stdout);
        Assert.Equal(33, result.ExitCode);
    }

    [SeabiosFact]
    public void Under_the_restart_policy_seabios_boots_again_after_its_reboot()
    {
        // The reset goes back through the reset vector, the PAM registers (PamTests checks they
        // return to the ROM) and fw_cfg's selector; SeaBIOS's own reboot path restores its image too.
        using var temp = new TempFolder();
        var result = Boot(temp, "--set", "onReset=restart", "--set", "limits:instructions=20000000");

        Assert.Equal(124, result.ExitCode);
        int banners = result.Stdout.Split("SeaBIOS (version").Length - 1;
        Assert.True(banners >= 2, $"{banners} banner(s) in: {result.Stdout}");
        string log = File.ReadAllText(temp.File("seabios-debug.log"));
        Assert.True(log.Split("Found QEMU fw_cfg").Length - 1 >= 2, log);
    }

    [SeabiosFact(SeabiosFactAttribute.LinuxBoot)]
    public void A_firmware_machine_snapshotted_and_restored_prints_what_an_uninterrupted_run_prints()
    {
        // SeaBIOS at three points (POST with the PAM shadow being set up, the boot menu, linuxboot's
        // kernel load over fw_cfg DMA): the restored run needs the shadow RAM's routing (pci-host's PAM
        // registers), the RAM under it and the ROM itself, which must be the same file.
        using var temp = new TempFolder();
        string[] kernel = ["--set", $"devices:0:options:kernel={Kernel}", "--set", "devices:0:options:cmdline=console=ttyS0 hello"];
        var whole = Boot(temp, kernel);
        Assert.Equal(33, whole.ExitCode);
        foreach (ulong at in new ulong[] { 300_000, 2_000_000, 6_000_000 })
        {
            string file = temp.File($"bios-{at}.snap");
            var snapshotting = Boot(temp, [.. kernel, "--snapshot-at", $"{at}:{file}"]);
            Assert.True(snapshotting.ExitCode == 33, snapshotting.Stderr);
            Assert.Equal(whole.Stdout, snapshotting.Stdout);

            var before = Boot(temp, [.. kernel, "--max-instructions", at.ToString()]);
            var after = Boot(temp, [.. kernel, "--restore", file]);
            Assert.True(after.ExitCode == 33, after.Stderr);
            Assert.Equal(whole.Stdout, before.Stdout + after.Stdout);
        }
    }

    [SeabiosFact]
    public void A_firmware_snapshot_is_refused_under_another_rom()
    {
        using var temp = new TempFolder();
        string file = temp.File("bios.snap");
        Assert.Equal(0, Boot(temp, "--snapshot-at", $"100000:{file}").ExitCode);
        var other = File.ReadAllBytes(SeabiosFactAttribute.Bios);
        other[0x100] ^= 0xFF; // a byte outside the code SeaBIOS runs: only the image's identity differs
        string rom = temp.Write("other-bios.bin", other);

        var result = Boot(temp, "--set", $"boot:image={rom}", "--restore", file);

        Assert.Equal(4, result.ExitCode); // a load failure, as for any other machine
        Assert.Contains("--restore: the snapshot is of another machine", result.Stderr);
        Assert.Empty(result.Stdout);
    }
}
