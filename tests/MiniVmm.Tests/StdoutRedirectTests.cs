using System.Diagnostics;

namespace MiniVmm.Tests;

/// <summary>Guest output on a redirected stdout, as a shell script uses it.</summary>
public class StdoutRedirectTests
{
    [Fact]
    public void Guest_output_redirected_to_a_file_lands_between_the_shells_own_writes()
    {
        using var temp = new TempFolder();
        string log = Path.Combine(temp.Path, "log");
        // The shell and minivmm share one file offset: minivmm's write(2)s must move it, or "after"
        // overwrites the guest's "4".
        var shell = Process.Start(new ProcessStartInfo("sh")
        {
            ArgumentList = { "-c", $"(echo before; '{Minivmm.Executable}' --machine configs/seed-add.json --accel soft; echo after) > '{log}' 2>/dev/null" },
            WorkingDirectory = Minivmm.RepoRoot,
        })!;
        Assert.True(shell.WaitForExit(60_000), "the shell did not finish");

        Assert.Equal("before\n4\nafter\n", File.ReadAllText(log).Replace("\r", ""));
    }
}
