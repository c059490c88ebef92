namespace MiniVmm.Tests;

/// <summary>`minivmm devices`, `minivmm check` and the command line itself.</summary>
public class CommandTests
{
    [Fact]
    public void Devices_lists_every_plugin_device_with_its_plugin_and_options()
    {
        var result = Minivmm.Run("devices");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^uart16550\s+port\s+plugin Uart16550\s", result.Stdout);
        Assert.Matches(@"(?m)^port-logger\s+port\s+plugin DebugPort\s", result.Stdout);
        Assert.Matches(@"(?m)^isa-debug-exit\s+port\s+plugin DebugPort\s", result.Stdout);
        Assert.Matches(@"(?m)^debugcon\s+port\s+plugin DebugPort\s", result.Stdout);
        Assert.Matches(@"(?m)^\s+stopAfter\s", result.Stdout);
        Assert.DoesNotContain("faulty", result.Stdout); // test plugins never sit beside minivmm
    }

    [Fact]
    public void Devices_includes_plugins_from_an_extra_folder()
    {
        var result = Minivmm.Run("devices", "--plugins", Minivmm.TestPlugins);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^faulty\s+port\s+plugin FaultyDevice\s", result.Stdout);
    }

    [Fact]
    public void Plugins_accepts_the_folder_holding_the_plugin_dll()
    {
        var result = Minivmm.Run("devices", "--plugins", Path.Combine(Minivmm.TestPlugins, "FaultyDevice"));

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"(?m)^faulty\s+port\s+plugin FaultyDevice\s", result.Stdout);
    }

    [Fact]
    public void Plugins_pointing_at_a_folder_without_plugins_says_what_layout_is_expected()
    {
        using var temp = new TempFolder();
        temp.Write("readme.txt", "no plugin here");

        var result = Minivmm.Run("devices", "--plugins", temp.Path);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"no plugin found in '{temp.Path}'", result.Stderr);
        Assert.Contains("MyDevice.dll", result.Stderr);
    }

    [Theory]
    [InlineData("seed-add.json")]
    [InlineData("counter.json")]
    public void Check_accepts_the_shipped_machine_files(string file)
    {
        var result = Minivmm.Run("check", "--machine", Path.Combine("configs", file));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(": ok (", result.Stdout);
    }

    [Fact]
    public void Check_reports_a_bad_device_option_without_running_anything()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xf4], """{ "type": "isa-debug-exit", "ports": "0xf4", "options": { "iosize": 3 } }""");

        var result = Minivmm.Run("check", "--machine", machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[0].options.iosize:", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Unknown_arguments_exit_with_code_2_and_a_hint()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--frobnicate");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--frobnicate", result.Stderr);
        Assert.Contains("minivmm --help", result.Stderr);
    }

    [Fact]
    public void No_machine_is_a_usage_error()
    {
        var result = Minivmm.Run();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no machine given", result.Stderr);
    }

    [Fact]
    public void Help_documents_the_exit_codes()
    {
        var result = Minivmm.Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("124 limit reached", result.Stdout);
        Assert.Contains("--machine", result.Stdout);
    }
}
