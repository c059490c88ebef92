using Hypervisor.Core.Plugins;

namespace Hypervisor.Core.Tests.Plugins;

/// <summary>PluginCatalog.Open with a PluginIndex: what a warm index spares, and that a stale or damaged one only costs a scan.</summary>
public class PluginIndexTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly string _plugins;
    private readonly string _indexFile;

    public PluginIndexTests()
    {
        _plugins = Path.Combine(_files.Directory, "plugins");
        foreach (string name in new[] { "DebugPort", "Uart16550" })
            CopyFolder(Path.Combine(RepoPaths.BuiltPlugins, name), Path.Combine(_plugins, name));
        _indexFile = Path.Combine(_files.Directory, "cache", "plugin-index.tsv");
    }

    public void Dispose() => _files.Dispose();

    private string Dll(string name) => Path.Combine(_plugins, name, name + ".dll");

    [Fact]
    public void A_cold_index_scans_every_plugin_and_records_its_types()
    {
        using var catalog = PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile));

        Assert.Equal([Dll("DebugPort"), Dll("Uart16550")], catalog.LoadedAssemblies.Order());
        string[] lines = File.ReadAllLines(_indexFile);
        Assert.Equal("minivmm plugin index 1", lines[0]);
        Assert.Contains(lines, line => line.StartsWith(Dll("Uart16550") + "\t") && line.EndsWith("\tuart16550"));
        Assert.Contains(lines, line => line.StartsWith(Dll("DebugPort") + "\t") && line.Contains("\tisa-debug-exit"));
    }

    [Fact]
    public void A_warm_index_loads_only_the_plugin_of_the_type_asked_for()
    {
        PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile)).Dispose();

        using var catalog = PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile));
        Assert.Empty(catalog.LoadedAssemblies);
        Assert.Contains("isa-debug-exit", catalog.TypeNames);

        var uart = catalog.Find("uart16550");

        Assert.NotNull(uart);
        Assert.Equal([Dll("Uart16550")], catalog.LoadedAssemblies);
        Assert.Null(catalog.Find("no-such-device"));
        Assert.Equal(4, catalog.DeviceTypes.Count); // every type, loading the rest
    }

    [Fact]
    public void A_plugin_changed_since_it_was_indexed_is_scanned_again()
    {
        PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile)).Dispose();
        File.SetLastWriteTimeUtc(Dll("DebugPort"), DateTime.UtcNow.AddMinutes(1));

        using var catalog = PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile));

        Assert.Equal([Dll("DebugPort")], catalog.LoadedAssemblies);
        using var again = PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile));
        Assert.Empty(again.LoadedAssemblies); // the new state was recorded
    }

    [Fact]
    public void A_damaged_index_is_an_empty_one()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_indexFile)!);
        File.WriteAllText(_indexFile, "minivmm plugin index 1\nnot\ta\tline\n\0\0garbage");

        using var catalog = PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile));

        Assert.Equal(2, catalog.LoadedAssemblies.Count);
        Assert.NotNull(catalog.Find("uart16550"));
    }

    [Fact]
    public void A_type_provided_twice_is_found_from_the_index_without_loading()
    {
        string copy = Path.Combine(_files.Directory, "more");
        CopyFolder(Path.Combine(RepoPaths.BuiltPlugins, "DebugPort"), Path.Combine(copy, "DebugPort"));
        PluginCatalog.Open([_plugins], PluginIndex.Read(_indexFile)).Dispose();
        PluginCatalog.Open([copy], PluginIndex.Read(_indexFile)).Dispose();

        var error = Assert.Throws<PluginLoadException>(() => PluginCatalog.Open([_plugins, copy], PluginIndex.Read(_indexFile)));

        Assert.Contains("is provided twice", error.Message);
    }

    [Fact]
    public void An_index_that_cannot_be_written_only_means_scanning_each_time()
    {
        // A file where the index's folder should be: neither readable as an index nor writable.
        string blocked = _files.Write("blocked", "a file, not a folder");

        using var catalog = PluginCatalog.Open([_plugins], PluginIndex.Read(Path.Combine(blocked, "plugin-index.tsv")));

        Assert.Equal(2, catalog.LoadedAssemblies.Count);
        Assert.NotNull(catalog.Find("port-logger"));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
