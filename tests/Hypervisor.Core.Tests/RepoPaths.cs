namespace Hypervisor.Core.Tests;

/// <summary>Paths inside the repository, found from the test binaries' location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Configs => Path.Combine(Root, "configs");

    /// <summary>Where plugin projects build to (plugins/Directory.Build.props).</summary>
    public static string BuiltPlugins => Path.Combine(Root, "artifacts", "plugins");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniVmm.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"MiniVmm.sln not found above {AppContext.BaseDirectory}");
    }
}
