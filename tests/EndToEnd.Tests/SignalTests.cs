using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EndToEnd.Tests;

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
        }, "--machine", "configs/counter.json", "--set", "devices:0:options:stopAfter=0", "--set", $"devices:0:options:output={output}");

        Assert.Equal(expectedExitCode, result.ExitCode);
        Assert.Contains($"stopped by {name}", result.Stderr);
        // Output is flushed: every line in the file is complete JSON.
        Assert.All(File.ReadAllLines(output), line => Assert.EndsWith("}", line));
    }
}
