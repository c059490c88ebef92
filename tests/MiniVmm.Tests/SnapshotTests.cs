namespace MiniVmm.Tests;

/// <summary>
/// Snapshots through the minivmm executable (docs/snapshots.md): configs/snapshot.json's guest prints
/// what depends on exact guest time (ticks of a 1 kHz PIT, a latched PIT count, a checksum over RAM);
/// snapshotted anywhere and restored, it prints exactly the rest of what an uninterrupted run prints.
/// </summary>
public class SnapshotTests
{
    private static readonly string Machine = Path.Combine(Minivmm.Configs, "snapshot.json");
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(1)]          // before the first instruction's successor: nothing programmed yet
    [InlineData(150_000)]    // mid-run, timer ticking
    [InlineData(400_001)]    // near the end
    public void A_run_snapshotted_and_restored_prints_what_an_uninterrupted_run_prints(ulong at)
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        var whole = Minivmm.Run(Limit, "--machine", Machine);
        Assert.Equal(1, whole.ExitCode);
        Assert.Contains("done", whole.Stdout);

        // Taking the snapshot does not disturb the run.
        var snapshotting = Minivmm.Run(Limit, "--machine", Machine, "--snapshot-at", $"{at}:{file}");
        Assert.Equal(1, snapshotting.ExitCode);
        Assert.Equal(whole.Stdout, snapshotting.Stdout);
        Assert.Contains($"snapshot written to {file} at instruction {at}", snapshotting.Stderr);

        // What the guest printed up to that instruction, then what the restored machine prints.
        var before = Minivmm.Run(Limit, "--machine", Machine, "--max-instructions", at.ToString());
        Assert.Equal(124, before.ExitCode);
        var after = Minivmm.Run(Limit, "--machine", Machine, "--restore", file);

        Assert.Equal(1, after.ExitCode);
        Assert.NotEmpty(after.Stdout);
        Assert.Equal(whole.Stdout, before.Stdout + after.Stdout);
    }

    [Fact]
    public void Restoring_into_another_machine_file_is_refused_naming_both()
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        Assert.Equal(1, Minivmm.Run(Limit, "--machine", Machine, "--snapshot-at", $"1000:{file}").ExitCode);

        var result = Minivmm.Run(Limit, "--machine", Machine, "--set", "devices:2:options:backend=null", "--restore", file);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("--restore: the snapshot is of another machine: 'snapshot'", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void A_truncated_snapshot_is_refused_not_resumed()
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        Assert.Equal(1, Minivmm.Run(Limit, "--machine", Machine, "--snapshot-at", $"150000:{file}").ExitCode);
        byte[] whole = File.ReadAllBytes(file);
        string cut = temp.Write("cut.snap", whole[..(whole.Length - 100)]);

        var result = Minivmm.Run(Limit, "--machine", Machine, "--restore", cut);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"snapshot '{cut}' is truncated", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void A_file_that_is_no_snapshot_is_refused()
    {
        using var temp = new TempFolder();
        string file = temp.Write("not.snap", "hello");

        var result = Minivmm.Run(Limit, "--machine", Machine, "--restore", file);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("not a minivmm snapshot", result.Stderr);
    }

    [Fact]
    public void A_device_without_saved_state_makes_the_snapshot_fail_naming_it_and_writes_nothing()
    {
        using var temp = new TempFolder();
        string file = temp.File("vm.snap");
        string machine = temp.RealModeMachine([0xf4], """{ "type": "faulty", "ports": "0x500" }""");

        var result = Minivmm.Run(Limit, "--machine", machine, "--plugins", Path.Combine(Minivmm.TestPlugins, "FaultyDevice"), "--snapshot-at", $"1:{file}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--snapshot-at: these devices cannot save their state: 'faulty' (faulty, plugin FaultyDevice)", result.Stderr);
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void A_bad_snapshot_at_value_is_a_command_line_error() =>
        Assert.Contains("--snapshot-at: 'soon' is not N:FILE", Minivmm.Run(Limit, "--machine", Machine, "--snapshot-at", "soon").Stderr);

    [KvmFact]
    public void Snapshot_at_an_instruction_count_on_kvm_is_refused_it_counts_none()
    {
        var result = Minivmm.Run(Limit, "--machine", Path.Combine(Minivmm.Configs, "seed-add.json"), "--accel", "kvm", "--snapshot-at", "10:x.snap");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--snapshot-at counts instructions, which only the software CPU does", result.Stderr);
    }

    [Fact]
    public void The_monitor_listens_on_loopback_only() =>
        Assert.Contains("not a loopback address", Minivmm.Run(Limit, "--machine", Machine, "--monitor", "tcp:0.0.0.0:0").Stderr);
}
