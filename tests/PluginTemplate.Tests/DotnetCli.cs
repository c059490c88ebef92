using System.Diagnostics;

namespace PluginTemplate.Tests;

/// <summary>
/// Runs the dotnet CLI (or a tool) as a plugin author would from a shell, outside the test host's
/// MSBuild environment, with no build servers left running after the command.
/// </summary>
public static class DotnetCli
{
    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>Fails the test with the command's output unless it exited 0.</summary>
        public Result Succeeded(string what)
        {
            if (ExitCode != 0)
                throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Output}");
            return this;
        }
    }

    public static Result Dotnet(string workingDirectory, TimeSpan timeout, params string[] args) =>
        Run("dotnet", workingDirectory, timeout, args);

    /// <summary>Runs <paramref name="program"/>; stdout and stderr together in <see cref="Result.Output"/>.</summary>
    public static Result Run(string program, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        CleanEnvironment(start.Environment);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within {timeout}:\n{stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result + stderr.Result);
    }

    private static void CleanEnvironment(IDictionary<string, string?> environment)
    {
        // The test host runs under `dotnet test`: its MSBuild and test-platform variables would
        // steer the nested builds (and a nested `dotnet test`) away from what a user's shell does.
        foreach (var name in environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) ||
                name.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) ||
                name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                environment.Remove(name);
        }
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        // No MSBuild nodes or compiler server outliving the command (they would also hold its output pipes open).
        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["UseSharedCompilation"] = "false";
    }
}
