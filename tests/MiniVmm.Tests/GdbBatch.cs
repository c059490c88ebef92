using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>
/// Runs minivmm with <c>--gdb tcp:127.0.0.1:0 --gdb-wait</c> and the real gdb in batch mode against it:
/// gdb starts once minivmm announces the port, runs the commands, and both must end.
/// </summary>
public static partial class GdbBatch
{
    public sealed record Outcome(Minivmm.Result Vmm, string Gdb);

    public static string TargetElf => Path.Combine(Minivmm.RepoRoot, "guests", "gdb", "target.elf");

    public static string TargetMachine => Path.Combine(Minivmm.Configs, "gdb-target.json");

    public static Outcome Run(string accelerator, params string[] commands)
    {
        string gdbOutput = "";
        var vmm = Minivmm.RunWatchingStderr(TimeSpan.FromSeconds(120), (process, stderr) =>
        {
            gdbOutput = RunGdb(WaitForPort(process, stderr), commands);
        }, "--machine", TargetMachine, "--accel", accelerator, "--gdb", "tcp:127.0.0.1:0", "--gdb-wait");
        return new Outcome(vmm, gdbOutput);
    }

    /// <summary>The port minivmm announces it waits for gdb on.</summary>
    public static int WaitForPort(Process process, Func<string> stderr)
    {
        var watch = Stopwatch.StartNew();
        Match port;
        while (!(port = WaitingOn().Match(stderr())).Success && watch.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            Thread.Sleep(50);
        Assert.True(port.Success, $"minivmm did not announce the gdb port; stderr: {stderr()}");
        return int.Parse(port.Groups[1].Value);
    }

    private static string RunGdb(int port, string[] commands)
    {
        var start = new ProcessStartInfo("gdb")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.Combine(Minivmm.RepoRoot, "guests"),
        };
        foreach (string arg in new[] { "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off", "-ex", $"target remote 127.0.0.1:{port}" })
            start.ArgumentList.Add(arg);
        foreach (string command in commands)
        {
            start.ArgumentList.Add("-ex");
            start.ArgumentList.Add(command);
        }
        start.ArgumentList.Add(TargetElf);
        using var gdb = Process.Start(start)!;
        var stdout = gdb.StandardOutput.ReadToEndAsync();
        var stderr = gdb.StandardError.ReadToEndAsync();
        if (!gdb.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            gdb.Kill(entireProcessTree: true);
            throw new TimeoutException($"gdb did not finish within 60 s; output so far: {stdout.Result}{stderr.Result}");
        }
        gdb.WaitForExit();
        return stdout.Result + stderr.Result;
    }

    /// <summary>The values gdb printed for a register with <c>info registers</c> (e.g. "eip  0x1000cb  0x1000cb &lt;main+6&gt;").</summary>
    public static IReadOnlyList<ulong> RegisterValues(string output, string register) =>
        [.. Regex.Matches(output, $@"^{register}\s+0x([0-9a-f]+)", RegexOptions.Multiline).Select(m => Convert.ToUInt64(m.Groups[1].Value, 16))];

    [GeneratedRegex(@"waiting for gdb on tcp:127\.0\.0\.1:(\d+)")]
    private static partial Regex WaitingOn();
}
