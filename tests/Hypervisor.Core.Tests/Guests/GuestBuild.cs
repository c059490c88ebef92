using System.Diagnostics;

namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// One fresh build of every guest into a temporary folder (guests/build.sh --out), shared by the
/// image tests of a run and deleted afterwards.
/// </summary>
public sealed class GuestBuild : IDisposable
{
    private readonly Lazy<string> _outputDir;
    private string? _created;

    public GuestBuild() => _outputDir = new Lazy<string>(Build);

    /// <summary>The folder holding the freshly built images (built on first use).</summary>
    public string OutputDir => _outputDir.Value;

    private string Build()
    {
        _created = Directory.CreateTempSubdirectory("minivmm-guests-").FullName;
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(GuestTree.BuildScript);
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(_created);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start bash");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("guests/build.sh did not finish within 2 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"guests/build.sh failed with exit code {process.ExitCode}:\n{stdout.Result}{stderr.Result}");
        return _created;
    }

    public void Dispose()
    {
        if (_created != null && Directory.Exists(_created))
            Directory.Delete(_created, recursive: true);
    }
}
