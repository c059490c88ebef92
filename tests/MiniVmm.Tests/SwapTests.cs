using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>
/// The monitor's user paths (docs/snapshots.md): a device plugin rebuilt while the VM runs and swapped
/// in with <c>swap NAME</c>, the guest none the wiser; a snapshot taken at the monitor and resumed.
/// The guest (guests/flat/swapprobe.S) writes 1, 2, 3, ... to the swap-probe test device and checks
/// the device's own count after each write, so a lost or repeated access ends it with exit code 3.
/// </summary>
public partial class SwapTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    [Fact]
    public void A_plugin_rebuilt_while_the_vm_runs_is_swapped_in_between_two_accesses_with_its_state()
    {
        using var temp = new TempFolder();
        string plugin = InstallV1(temp);
        string machine = ProbeMachine(temp);
        string swapped = "";

        var result = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            monitor.SendUntil("info registers", answer => Ebx(answer) >= 5);
            Rebuild(plugin, Path.Combine(Minivmm.TestPlugins, "SwapProbeV2"));
            swapped = monitor.Send("swap probe");
            uint at = Ebx(monitor.Send("info registers"));
            monitor.SendUntil("info registers", answer => Ebx(answer) >= at + 5);
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0");

        Assert.Matches(@"^swapped probe: SwapProbe 1\.0\.0\S* -> SwapProbe 2\.0\.0\S* \(state version 1 -> 1\)$", swapped);
        Assert.Equal(0, result.ExitCode); // the guest found no lost or repeated write
        var writes = Writes(result.Stdout);
        Assert.Equal(Enumerable.Range(1, writes.Count).Select(n => (uint)n), writes.Select(w => w.Count));
        Assert.All(writes, w => Assert.Equal(w.Count, w.Value));
        // v1 until the swap, v2 after it: one switch, both builds seen.
        int firstV2 = writes.FindIndex(w => w.Build == "v2");
        Assert.True(firstV2 > 0, result.Stdout);
        Assert.All(writes.Take(firstV2), w => Assert.Equal("v1", w.Build));
        Assert.All(writes.Skip(firstV2), w => Assert.Equal("v2", w.Build));
    }

    [Fact]
    public void A_snapshot_taken_at_the_monitor_resumes_at_the_next_access() => SnapshotAtTheMonitorResumes("soft");

    /// <summary>The same on KVM: its registers, FPU/XSAVE, XCR0, events and MSRs go into the file.</summary>
    [KvmFact]
    public void A_kvm_snapshot_taken_at_the_monitor_resumes_at_the_next_access() => SnapshotAtTheMonitorResumes("kvm");

    private static void SnapshotAtTheMonitorResumes(string accelerator)
    {
        using var temp = new TempFolder();
        InstallV1(temp);
        string machine = ProbeMachine(temp, accelerator);
        string file = temp.File("vm.snap");
        string written = "";

        var first = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            monitor.SendUntil("info registers", answer => Ebx(answer) >= 3);
            Assert.Equal("stopped", monitor.Send("stop"));
            written = monitor.Send($"snapshot {file}");
            Assert.Contains("stopped", monitor.Send("info status"));
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0");
        Assert.Equal(0, first.ExitCode);
        Assert.DoesNotContain("error", written);
        Assert.StartsWith($"snapshot written to {file} (", written);

        var resumed = Minivmm.Run(Limit, "--machine", machine, "--plugins", temp.File("plugins"), "--restore", file, "--timeout", "8s");

        Assert.Equal(124, resumed.ExitCode); // the guest counts on until the time limit, no lost write
        uint last = Writes(first.Stdout)[^1].Count;
        var next = Writes(resumed.Stdout);
        Assert.Equal(last + 1, next[0].Count);
        Assert.Equal(Enumerable.Range((int)last + 1, next.Count).Select(n => (uint)n), next.Select(w => w.Count));
    }

    [Fact]
    public void Minivmm_snapshot_asks_a_running_vm_through_its_monitor()
    {
        using var temp = new TempFolder();
        InstallV1(temp);
        string machine = ProbeMachine(temp);
        string file = temp.File("vm.snap");
        Minivmm.Result? asked = null;

        var run = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            int port = MonitorClient.Port(stderr);
            asked = Minivmm.Run(Limit, "snapshot", "--monitor", $"tcp:127.0.0.1:{port}", file);
            using var monitor = MonitorClient.Connect(stderr);
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, asked!.ExitCode);
        Assert.StartsWith($"snapshot written to {file} (", asked.Stdout);
        Assert.True(File.Exists(file));
    }

    [Fact]
    public void Minivmm_snapshot_without_a_monitor_there_says_so() =>
        Assert.Equal(2, Minivmm.Run(Limit, "snapshot", "--monitor", "tcp:127.0.0.1:1", "x.snap").ExitCode);

    [Fact]
    public void A_snapshot_of_another_plugin_build_is_refused_naming_both_versions()
    {
        using var temp = new TempFolder();
        string plugin = InstallV1(temp);
        string machine = ProbeMachine(temp);
        string file = temp.File("vm.snap");
        Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            monitor.Send($"snapshot {file}");
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0");
        Rebuild(plugin, Path.Combine(Minivmm.TestPlugins, "SwapProbeV2"));

        var result = Minivmm.Run(Limit, "--machine", machine, "--plugins", temp.File("plugins"), "--restore", file);

        Assert.Equal(4, result.ExitCode);
        Assert.Matches(@"device 'probe' \(swap-probe\) was saved by plugin SwapProbe 1\.0\.0\S*; this machine loads SwapProbe 2\.0\.0", result.Stderr);
    }

    [Fact]
    public void Swap_errors_are_answered_and_the_guest_runs_on()
    {
        using var temp = new TempFolder();
        InstallV1(temp);
        string machine = ProbeMachine(temp);
        var answers = new List<string>();

        var result = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            answers.Add(monitor.Send("swap nosuch"));
            answers.Add(monitor.Send($"swap probe {temp.File("missing")}"));
            answers.Add(monitor.Send("frobnicate"));
            answers.Add(monitor.Send($"swap probe {Path.Combine(Minivmm.TestPlugins, "FaultyDevice")}"));
            monitor.SendUntil("info registers", answer => Ebx(answer) >= 3);
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("error: no device named 'nosuch' (this machine has: probe, isa-debug-exit)", answers[0]);
        Assert.Equal($"error: '{temp.File("missing")}' is neither a plugin assembly nor a folder", answers[1]);
        Assert.StartsWith("error: unknown command 'frobnicate'", answers[2]);
        Assert.Equal($"error: no plugin in '{Path.Combine(Minivmm.TestPlugins, "FaultyDevice")}' provides device type 'swap-probe'", answers[3]);
        Assert.All(Writes(result.Stdout), w => Assert.Equal("v1", w.Build));
    }

    /// <summary>The first build of the probe plugin, in the test's own plugin folder (so it can be rebuilt there).</summary>
    private static string InstallV1(TempFolder temp)
    {
        string folder = temp.File(Path.Combine("plugins", "SwapProbe"));
        Directory.CreateDirectory(folder);
        foreach (string file in Directory.GetFiles(Path.Combine(Minivmm.TestPlugins, "SwapProbe")))
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }

    /// <summary>What a rebuild does to the plugin folder: each file replaced by a new one (written beside it, then renamed over it).</summary>
    private static void Rebuild(string folder, string build)
    {
        foreach (string file in Directory.GetFiles(build))
        {
            string target = Path.Combine(folder, Path.GetFileName(file));
            File.Copy(file, target + ".new", overwrite: true);
            File.Move(target + ".new", target, overwrite: true);
        }
    }

    private static string ProbeMachine(TempFolder temp, string accelerator = "soft") => temp.Write("machine.json", $$"""
        { "name": "swap-probe", "accelerator": "{{accelerator}}",
          "memory": [ { "base": "0x0", "size": "64KiB" } ],
          "boot": { "image": "{{Path.Combine(Minivmm.RepoRoot, "guests", "flat", "swapprobe.bin")}}", "loadAddress": "0x1000", "entry": { "cs": 0, "rip": "0x1000" } },
          "devices": [ { "type": "swap-probe", "name": "probe", "ports": "0x700" }, { "type": "isa-debug-exit" } ],
          "limits": { "time": "100s" } }
        """);

    private static uint Ebx(string registers) => Convert.ToUInt32(RegisterEbx().Match(registers).Groups[1].Value, 16);

    private sealed record Write(string Build, uint Count, uint Value);

    private static List<Write> Writes(string stdout) => ProbeLine().Matches(stdout)
        .Select(m => new Write(m.Groups[1].Value, uint.Parse(m.Groups[2].Value), uint.Parse(m.Groups[3].Value))).ToList();

    [GeneratedRegex(@"EBX=([0-9a-f]{8})")]
    private static partial Regex RegisterEbx();

    [GeneratedRegex(@"^probe (v\d): write (\d+) value (\d+)$", RegexOptions.Multiline)]
    private static partial Regex ProbeLine();
}
