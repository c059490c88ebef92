namespace PluginTemplate.Tests;

/// <summary>The MiniVmm repository these tests were built from.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests (and so the projects they pack) were built in.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<Configuration>/net10.0/

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniVmm.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"MiniVmm.sln not found above {AppContext.BaseDirectory}");
    }
}
