using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MiniVmm.Tests;

/// <summary>
/// Ctrl-C and SIGTERM stop every vCPU thread and exit with 128 + the signal number. minivmm starts
/// as from a terminal (SIGINT not ignored); started in the background by a non-interactive shell it
/// inherits SIGINT ignored and, like other .NET programs, keeps ignoring it (SIGTERM still stops it).
/// </summary>
public class SignalTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int Sigint = 2;
    private const int Sigterm = 15;

    [Theory]
    [InlineData(Sigint, 130, "SIGINT")]
    [InlineData(Sigterm, 143, "SIGTERM")]
    public void A_signal_stops_a_running_guest_cleanly(int signal, int expectedExitCode, string name)
    {
        using var temp = new TempFolder();
        string output = temp.File("writes.jsonl");
        var result = Minivmm.RunWithDefaultSignals(TimeSpan.FromSeconds(30), process =>
        {
            // Wait until the guest is running (the counter has written something), then signal.
            var watch = Stopwatch.StartNew();
            while (!(File.Exists(output) && new FileInfo(output).Length > 0) && watch.Elapsed < TimeSpan.FromSeconds(20))
                Thread.Sleep(50);
            Assert.Equal(0, kill(process.Id, signal));
        }, "--machine", "configs/counter.json", "--set", "devices:0:options:stopAfter=0",
            "--set", "devices:0:options:backend=null", "--set", $"devices:0:options:output={output}");

        Assert.Equal(expectedExitCode, result.ExitCode);
        Assert.Contains($"stopped by {name}", result.Stderr);
        // Output is flushed: every line in the file is complete JSON.
        Assert.All(File.ReadAllLines(output), line => Assert.EndsWith("}", line));
    }

    [Fact]
    public async Task Sigterm_stops_a_guest_whose_stdout_reader_stalled()
    {
        using var temp = new TempFolder();
        string journal = temp.File("writes.jsonl");
        // The counter prints a line per write to stdout, a pipe this test never reads: it fills and the guest's output blocks.
        var start = new ProcessStartInfo(Minivmm.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Minivmm.RepoRoot,
        };
        foreach (string arg in new[] { "--machine", "configs/counter.json", "--set", "devices:0:options:stopAfter=0",
                     "--set", $"devices:0:options:output={journal}", "--set", "limits:time=120s" })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(WaitUntilStalled(journal, TimeSpan.FromSeconds(30)), "the guest never blocked on its output");
            Assert.Equal(0, kill(process.Id, Sigterm));
            var watch = Stopwatch.StartNew();

            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(5)), "SIGTERM waited for the stdout reader");
            Assert.Equal(143, process.ExitCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
            Assert.Contains("stopped by SIGTERM", await stderr);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>True once the journal has stopped growing: every write now waits for stdout.</summary>
    private static bool WaitUntilStalled(string journal, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        long last = -1;
        int quiet = 0;
        while (watch.Elapsed < timeout)
        {
            Thread.Sleep(100);
            long length = File.Exists(journal) ? new FileInfo(journal).Length : 0;
            quiet = length > 0 && length == last ? quiet + 1 : 0;
            if (quiet == 10)
                return true;
            last = length;
        }
        return false;
    }
}
