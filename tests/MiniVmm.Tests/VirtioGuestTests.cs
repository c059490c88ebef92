namespace MiniVmm.Tests;

/// <summary>
/// The virtioblk test guest (guests/pc/virtioblk.S) on configs/virtio-blk.json, run by the real
/// minivmm: a minimal virtio driver in assembly talks to the virtio-blk-mmio plugin on a real image
/// file: negotiation, a queue, read, write, flush, GET_ID, a descriptor outside RAM, a reset.
/// </summary>
public class VirtioGuestTests
{
    private const string Header = "virtioblk\n" +
        "magic 74726976 version 00000002 device 00000002 capacity 00000008\n" +
        "features high 00000001 status 0000000b queue max 00000100 ready 00000001\n" +
        "read sector 1: used 00000201 status 00000000 isr 00000001 text virtio-blk sector 1\n";

    private const string Tail =
        "flush: used 00000001 status 00000000 isr 00000001\n" +
        "get id: used 00000015 status 00000000 isr 00000001 id minivmm-test\n" +
        "descriptor outside RAM: nothing used device status 0000004f isr 00000002\n" +
        "reset: 00000000 00000000\n";

    [Theory]
    [InlineData("soft")]
    [InlineData("auto")] // KVM where /dev/kvm opens: the window's accesses arrive as KVM MMIO exits
    public void The_guest_reads_writes_and_breaks_a_read_write_disk(string accelerator)
    {
        using var temp = new TempFolder();
        string image = temp.Write("disk.img", File.ReadAllBytes(Path.Combine(Minivmm.RepoRoot, "guests", "pc", "virtioblk.img")));

        var result = Minivmm.Run("--machine", "configs/virtio-blk.json", "--accel", accelerator,
            "--set", $"devices:2:options:image={image}", "--set", "devices:2:options:readonly=false");

        Assert.Equal(Header + "write sector 2: used 00000001 status 00000000 isr 00000001\n" + Tail, result.Stdout);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("NEEDS_RESET", result.Stderr);
        byte[] disk = File.ReadAllBytes(image);
        Assert.Equal("written by the guest\n", System.Text.Encoding.ASCII.GetString(disk, 1024, 21));
    }

    [KvmFact]
    public void On_kvm_the_queue_notification_is_an_ioeventfd_doorbell_and_the_run_is_the_same()
    {
        using var temp = new TempFolder();
        string image = temp.Write("disk.img", File.ReadAllBytes(Path.Combine(Minivmm.RepoRoot, "guests", "pc", "virtioblk.img")));

        var result = Minivmm.Run("--machine", "configs/virtio-blk.json", "--accel", "kvm", "--log-level", "debug",
            "--set", $"devices:2:options:image={image}", "--set", "devices:2:options:readonly=false");

        Assert.Contains("1 doorbell(s) on the accelerator's ioeventfd", result.Stderr);
        Assert.Equal(Header + "write sector 2: used 00000001 status 00000000 isr 00000001\n" + Tail, result.Stdout);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public void On_the_read_only_disk_the_write_fails_and_the_image_stays()
    {
        string committed = Path.Combine(Minivmm.RepoRoot, "guests", "pc", "virtioblk.img");
        byte[] before = File.ReadAllBytes(committed);

        var result = Minivmm.Run("--machine", "configs/virtio-blk.json", "--accel", "soft");

        Assert.Equal(Header + "write sector 2: used 00000001 status 00000001 isr 00000001\n" + Tail, result.Stdout);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(committed));
    }

    [Fact]
    public void A_missing_image_is_a_machine_file_error_naming_the_option()
    {
        var result = Minivmm.Run("--machine", "configs/virtio-blk.json", "--set", "devices:2:options:image=/nonexistent/disk.img");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[2].options.image: virtio-blk-mmio 'vda': '/nonexistent/disk.img' cannot be opened", result.Stderr);
        Assert.Empty(result.Stdout);
    }
}
