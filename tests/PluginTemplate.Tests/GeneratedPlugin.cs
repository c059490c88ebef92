namespace PluginTemplate.Tests;

/// <summary>
/// What a plugin author ends up with, made once for the tests that share it: the repository's
/// packages in a folder (scripts/pack.sh), the template installed in a private template hive, a
/// plugin made by <c>dotnet new minivmm-device</c> in an empty folder outside the repository and
/// its generated tests run, and the minivmm tool installed from the packages into that folder.
/// </summary>
public sealed class GeneratedPlugin : IDisposable
{
    /// <summary>The project name given to dotnet new.</summary>
    public const string Name = "ScratchPad";

    /// <summary>The template's default device type: the name in kebab case.</summary>
    public const string DeviceType = "scratch-pad";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(6);

    public GeneratedPlugin()
    {
        Root = Directory.CreateTempSubdirectory("minivmm-template-").FullName;
        // A version no earlier run used, so NuGet's global package cache never hands back stale packages.
        Version = $"0.0.1-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        try
        {
            DotnetCli.Run("bash", Repository.Root, StepTimeout, "scripts/pack.sh", "--no-build",
                "--configuration", Repository.Configuration, "--version", Version, "--output", Packages).Succeeded("scripts/pack.sh");

            string hive = Path.Combine(Root, "template-hive"); // not the user's installed templates
            DotnetCli.Dotnet(Root, StepTimeout, "new", "install", Path.Combine(Packages, $"MiniVmm.Templates.{Version}.nupkg"),
                "--debug:custom-hive", hive).Succeeded("dotnet new install");
            DotnetCli.Dotnet(Root, StepTimeout, "new", "minivmm-device", "-n", Name, "-o", ProjectDirectory,
                "--debug:custom-hive", hive, "--no-update-check").Succeeded("dotnet new minivmm-device");

            GeneratedTests = DotnetCli.Dotnet(ProjectDirectory, StepTimeout, "test");

            DotnetCli.Dotnet(Root, StepTimeout, "tool", "install", "minivmm", "--version", Version,
                "--tool-path", Path.Combine(Root, "tools"), "--add-source", Packages).Succeeded("dotnet tool install minivmm");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The temporary folder holding everything, outside the repository.</summary>
    public string Root { get; }

    /// <summary>The version every package was packed with.</summary>
    public string Version { get; }

    public string Packages => Path.Combine(Root, "packages");

    /// <summary>What dotnet new made.</summary>
    public string ProjectDirectory => Path.Combine(Root, Name);

    /// <summary>The plugin folder its build fills: <c>artifacts/plugins/&lt;Name&gt;/&lt;Name&gt;.dll</c>.</summary>
    public string PluginFolder => Path.Combine(ProjectDirectory, "artifacts", "plugins");

    /// <summary>The minivmm command installed by dotnet tool install.</summary>
    public string Minivmm => Path.Combine(Root, "tools", "minivmm");

    /// <summary><c>dotnet test</c> in the generated folder: restore, build of both projects, their tests.</summary>
    public DotnetCli.Result GeneratedTests { get; } = new(-1, "");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        // The generated project's restore extracted this run's SDK and test kit into the global cache.
        foreach (var id in new[] { "minivmm.sdk", "minivmm.core", "minivmm.testing" })
        {
            string package = Path.Combine(GlobalPackagesFolder, id);
            string extracted = Path.Combine(package, Version.ToLowerInvariant());
            if (Directory.Exists(extracted))
                Directory.Delete(extracted, recursive: true);
            if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any())
                Directory.Delete(package);
        }
    }

    private static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
