using Hypervisor.Abstractions;
using Hypervisor.Core.Plugins;

namespace Hypervisor.Core.Tests.Plugins;

public class PluginCatalogTests
{
    private static string TestPlugins => Path.Combine(RepoPaths.Root, "artifacts", "test-plugins");

    [Fact]
    public void Finds_the_device_types_of_the_built_plugins_with_their_options()
    {
        using var catalog = PluginCatalog.Load([RepoPaths.BuiltPlugins]);

        var uart = catalog.Find("uart16550");
        Assert.NotNull(uart);
        Assert.Equal("Uart16550", uart.PluginName);
        Assert.True(uart.IsPortDevice);
        Assert.Contains(uart.Options, o => o.Name == "backend");
        Assert.NotNull(catalog.Find("port-logger"));
        Assert.NotNull(catalog.Find("isa-debug-exit"));
        Assert.NotNull(catalog.Find("debugcon"));
    }

    [Fact]
    public void Plugins_share_the_sdk_types_with_the_host()
    {
        using var catalog = PluginCatalog.Load([RepoPaths.BuiltPlugins]);

        var uart = catalog.Find("uart16550")!;
        // Type identity across load contexts: the plugin's IPortDevice is the host's.
        Assert.True(typeof(IPortDevice).IsAssignableFrom(uart.ClrType));
        Assert.Same(typeof(DeviceContext), uart.Constructor!.GetParameters()[0].ParameterType);
    }

    [Fact]
    public void A_missing_folder_is_reported()
    {
        var error = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load(["/nonexistent/minivmm-plugins"]));
        Assert.Equal("plugin folder '/nonexistent/minivmm-plugins' does not exist", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_reported_with_its_path()
    {
        using var files = new TestFiles();
        string dll = files.Write(Path.Combine("Junk", "Junk.dll"), "MZ but not really"u8.ToArray());

        var error = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load([files.Directory]));

        Assert.StartsWith($"plugin '{dll}' failed to load:", error.Message);
    }

    [Fact]
    public void The_same_type_from_two_plugins_is_rejected()
    {
        using var files = new TestFiles();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.BuiltPlugins, "DebugPort")))
            File.Copy(file, Path.Combine(Directory.CreateDirectory(Path.Combine(files.Directory, "DebugPort")).FullName, Path.GetFileName(file)));

        var error = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load([RepoPaths.BuiltPlugins, files.Directory]));

        Assert.Contains("is provided twice", error.Message);
    }

    [Fact]
    public void Folders_without_a_matching_assembly_are_ignored()
    {
        using var files = new TestFiles();
        files.Write(Path.Combine("Notes", "readme.txt"), "not a plugin");
        CopyFolder(Path.Combine(TestPlugins, "FaultyDevice"), Path.Combine(files.Directory, "FaultyDevice"));

        using var catalog = PluginCatalog.Load([files.Directory]);

        Assert.Equal(["faulty"], catalog.DeviceTypes.Select(t => t.Name));
    }

    [Fact]
    public void A_plugin_s_own_folder_is_accepted()
    {
        using var catalog = PluginCatalog.Load([Path.Combine(TestPlugins, "FaultyDevice") + Path.DirectorySeparatorChar]);

        Assert.Equal(["faulty"], catalog.DeviceTypes.Select(t => t.Name));
    }

    [Fact]
    public void A_build_output_folder_is_accepted_by_its_deps_json()
    {
        using var files = new TestFiles();
        string output = Path.Combine(files.Directory, "bin", "Release", "net10.0");
        CopyFolder(Path.Combine(TestPlugins, "FaultyDevice"), output);

        using var catalog = PluginCatalog.Load([output]);

        Assert.Equal(["faulty"], catalog.DeviceTypes.Select(t => t.Name));
    }

    [Fact]
    public void A_folder_with_no_plugin_says_what_layout_is_expected()
    {
        using var files = new TestFiles();
        files.Write(Path.Combine("Notes", "readme.txt"), "not a plugin");

        var error = Assert.Throws<PluginLoadException>(() => PluginCatalog.Load([files.Directory]));

        Assert.StartsWith($"no plugin found in '{files.Directory}'", error.Message);
        Assert.Contains(Path.Combine("MyDevice", "MyDevice.dll"), error.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
