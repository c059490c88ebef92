namespace PluginTemplate.Tests;

/// <summary>
/// The ten-minute path of docs/writing-a-device.md, from an empty folder outside the repository:
/// dotnet new minivmm-device, dotnet test, and the plugin running in a machine under the
/// minivmm tool installed from the packed packages.
/// </summary>
public class TemplateEndToEndTests(GeneratedPlugin plugin) : IClassFixture<GeneratedPlugin>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    [Fact]
    public void The_generated_plugin_builds_and_its_tests_pass()
    {
        Assert.True(plugin.GeneratedTests.ExitCode == 0, plugin.GeneratedTests.Output);
        Assert.Matches(@"Failed:\s+0, Passed:\s+[1-9]", plugin.GeneratedTests.Output);
    }

    [Fact]
    public void The_plugin_builds_into_its_own_folder_without_the_assemblies_minivmm_shares()
    {
        // PluginCatalog loads <folder>/<Name>/<Name>.dll; a copy of the SDK, Serilog or the
        // configuration assemblies beside it could split the types it shares with the host.
        string folder = Path.Combine(plugin.PluginFolder, GeneratedPlugin.Name);

        var assemblies = Directory.GetFiles(folder, "*.dll").Select(Path.GetFileName);

        Assert.Equal([GeneratedPlugin.Name + ".dll"], assemblies);
    }

    [Fact]
    public void The_installed_minivmm_lists_the_device_of_a_plugins_folder()
    {
        var result = DotnetCli.Run(plugin.Minivmm, plugin.Root, RunTimeout, "devices", "--plugins", plugin.PluginFolder);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches($@"(?m)^{GeneratedPlugin.DeviceType}\s+port\s+plugin {GeneratedPlugin.Name}\s", result.Output);
        Assert.Matches(@"(?m)^\s+initial\s", result.Output);
    }

    [Fact]
    public void The_generated_machine_runs_its_guest_through_the_plugin()
    {
        // The machine file names artifacts/plugins in its "plugins" key; isa-debug-exit comes
        // from the plugins inside the tool package.
        var result = DotnetCli.Run(plugin.Minivmm, plugin.ProjectDirectory, RunTimeout, "--machine", "machine.json");

        // The guest wrote back the "initial" 41 plus one and read it: (42 << 1) | 1.
        Assert.True(result.ExitCode == 85, $"exit code {result.ExitCode}:\n{result.Output}");
    }
}
