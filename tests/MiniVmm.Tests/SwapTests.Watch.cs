using System.Diagnostics;

namespace MiniVmm.Tests;

/// <summary>
/// <c>--watch-plugins</c>: the probe plugin rebuilt in its folder while the VM runs is swapped in
/// without a monitor command, the guest none the wiser; a broken build is refused and the old device
/// runs on.
/// </summary>
public partial class SwapTests
{
    [Fact]
    public void A_watched_plugin_rebuilt_in_its_folder_is_swapped_in_with_its_state()
    {
        using var temp = new TempFolder();
        string plugin = InstallV1(temp);
        string machine = ProbeMachine(temp);

        var result = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            WaitFor(stderr, $"--watch-plugins: watching {plugin}");
            monitor.SendUntil("info registers", answer => Ebx(answer) >= 5);
            Rebuild(plugin, Path.Combine(Minivmm.TestPlugins, "SwapProbeV2"));
            WaitFor(stderr, "--watch-plugins: swapped probe: SwapProbe 1.0.0");
            uint at = Ebx(monitor.Send("info registers"));
            monitor.SendUntil("info registers", answer => Ebx(answer) >= at + 5);
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0", "--watch-plugins");

        Assert.Equal(0, result.ExitCode); // the guest found no lost or repeated write
        Assert.Single(result.Stderr.Split('\n'), line => line.Contains("--watch-plugins: swapped probe")); // one swap per rebuild
        var writes = Writes(result.Stdout);
        Assert.Equal(Enumerable.Range(1, writes.Count).Select(n => (uint)n), writes.Select(w => w.Count));
        int firstV2 = writes.FindIndex(w => w.Build == "v2");
        Assert.True(firstV2 > 0, result.Stdout);
        Assert.All(writes.Take(firstV2), w => Assert.Equal("v1", w.Build));
        Assert.All(writes.Skip(firstV2), w => Assert.Equal("v2", w.Build));
    }

    [Fact]
    public void A_broken_build_in_a_watched_folder_is_refused_and_the_old_device_runs_on_until_a_good_one()
    {
        using var temp = new TempFolder();
        string plugin = InstallV1(temp);
        string machine = ProbeMachine(temp);
        string dll = Path.Combine(plugin, "SwapProbe.dll");
        uint afterRefusal = 0;

        var result = Minivmm.RunWatchingStderr(Limit, (_, stderr) =>
        {
            using var monitor = MonitorClient.Connect(stderr);
            WaitFor(stderr, "--watch-plugins: watching");
            monitor.SendUntil("info registers", answer => Ebx(answer) >= 3);
            File.WriteAllText(dll + ".new", "not an assembly");
            File.Move(dll + ".new", dll, overwrite: true);
            WaitFor(stderr, "--watch-plugins: the new build of 'probe'");
            afterRefusal = Ebx(monitor.Send("info registers"));
            monitor.SendUntil("info registers", answer => Ebx(answer) >= afterRefusal + 3);
            Rebuild(plugin, Path.Combine(Minivmm.TestPlugins, "SwapProbeV2"));
            WaitFor(stderr, "--watch-plugins: swapped probe");
            uint at = Ebx(monitor.Send("info registers"));
            monitor.SendUntil("info registers", answer => Ebx(answer) >= at + 3);
            monitor.Send("quit");
        }, "--machine", machine, "--plugins", temp.File("plugins"), "--monitor", "tcp:127.0.0.1:0", "--watch-plugins");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"minivmm: --watch-plugins: the new build of 'probe' at '{dll}' is refused (plugin '{dll}' failed to load:", result.Stderr);
        Assert.Contains("the old device runs on", result.Stderr);
        var writes = Writes(result.Stdout);
        Assert.Equal(Enumerable.Range(1, writes.Count).Select(n => (uint)n), writes.Select(w => w.Count));
        Assert.All(writes.Where(w => w.Count <= afterRefusal + 3), w => Assert.Equal("v1", w.Build)); // the refused build never ran
        Assert.Equal("v2", writes[^1].Build);
    }

    private static void WaitFor(Func<string> stderr, string text)
    {
        var clock = Stopwatch.StartNew();
        while (!stderr().Contains(text))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
                throw new TimeoutException($"'{text}' not on minivmm's standard error after 30 s:\n{stderr()}");
            Thread.Sleep(50);
        }
    }
}
