using System.Diagnostics;
using System.Text;

namespace MiniVmm.Tests;

/// <summary>Runs the built minivmm executable as a user would, capturing stdout, stderr and the exit code.</summary>
public static class Minivmm
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>src/MiniVmm's output for the configuration the tests were built in.</summary>
    public static string Executable { get; } = Path.Combine(RepoRoot, "src", "MiniVmm", "bin", Configuration, "net10.0", "minivmm");

    public static string Configs => Path.Combine(RepoRoot, "configs");

    public static string TestPlugins => Path.Combine(RepoRoot, "artifacts", "test-plugins");

    private static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0/

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs minivmm with <paramref name="args"/>; fails the test if it does not end within <paramref name="timeout"/>.</summary>
    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, null, args);

    public static Result Run(TimeSpan timeout, Action<Process>? whileRunning, params string[] args) =>
        Run(timeout, whileRunning, new Dictionary<string, string>(), args);

    /// <summary>Runs minivmm with extra environment variables.</summary>
    public static Result Run(TimeSpan timeout, Action<Process>? whileRunning, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        Run(timeout, whileRunning is null ? null : (process, _) => whileRunning(process), environment, defaultSignals: false, args);

    /// <summary>Runs minivmm; <paramref name="whileRunning"/> can read what it has written to stderr so far.</summary>
    public static Result RunWatchingStderr(TimeSpan timeout, Action<Process, Func<string>> whileRunning, params string[] args) =>
        Run(timeout, whileRunning, new Dictionary<string, string>(), defaultSignals: false, args);

    /// <summary>
    /// Runs minivmm as from an interactive shell: SIGINT and SIGQUIT at their default disposition
    /// (coreutils env --default-signal). A test run started in the background by a non-interactive
    /// shell inherits them ignored, and .NET then leaves an ignored SIGINT ignored.
    /// </summary>
    public static Result RunWithDefaultSignals(TimeSpan timeout, Action<Process>? whileRunning, params string[] args) =>
        Run(timeout, whileRunning is null ? null : (process, _) => whileRunning(process), new Dictionary<string, string>(), defaultSignals: true, args);

    private static Result Run(TimeSpan timeout, Action<Process, Func<string>>? whileRunning, IReadOnlyDictionary<string, string> environment, bool defaultSignals, string[] args)
    {
        var start = new ProcessStartInfo(defaultSignals ? "env" : Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = RepoRoot,
        };
        if (defaultSignals)
        {
            start.ArgumentList.Add("--default-signal=INT,QUIT");
            start.ArgumentList.Add(Executable); // env execs it: the same process id
        }
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderrSoFar = new StringBuilder();
        var stderr = Task.Run(() => Collect(process.StandardError, stderrSoFar));
        whileRunning?.Invoke(process, () => Snapshot(stderrSoFar));
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"minivmm {string.Join(' ', args)} did not finish within {timeout}; stderr: {Snapshot(stderrSoFar)}");
        }
        process.WaitForExit();
        stderr.Wait();
        return new Result(process.ExitCode, stdout.Result, Snapshot(stderrSoFar));
    }

    public static Result Run(params string[] args) => Run(TimeSpan.FromSeconds(60), args);

    private static async Task Collect(StreamReader reader, StringBuilder into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            lock (into)
                into.Append(buffer, 0, n);
        }
    }

    private static string Snapshot(StringBuilder text)
    {
        lock (text)
            return text.ToString();
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniVmm.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"MiniVmm.sln not found above {AppContext.BaseDirectory}");
    }
}
