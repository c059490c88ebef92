namespace MiniVmm.Tests;

/// <summary>
/// Each message names the real problem in the user's terms: the option that was wrong (not the
/// machine file), what a path really is, the limit a number passed, never a .NET type name.
/// </summary>
public class MisleadingMessageTests
{
    private static void AssertPlain(Minivmm.Result result)
    {
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", result.Stderr); // a .NET stack frame
        Assert.DoesNotContain("System.", result.Stderr);
        Assert.DoesNotContain("Hypervisor.", result.Stderr);
    }

    [Fact]
    public void A_bad_timeout_is_a_command_line_error_not_a_machine_file_fault()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--timeout", "soon");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--timeout: 'soon' is not a duration", result.Stderr);
        Assert.DoesNotContain("machine file", result.Stderr);
        AssertPlain(result);
    }

    [Fact]
    public void A_bad_value_given_with_set_is_traced_to_the_command_line()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--set", "limits:time=soon");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("limits.time: 'soon' is not a duration", result.Stderr);
        Assert.Contains("(given on the command line: limits:time=soon)", result.Stderr);
    }

    [Theory]
    [InlineData("--max-instructions", "lots", "--max-instructions: 'lots' is not a number")]
    [InlineData("--accel", "fast", "--accel: 'fast' is not one of auto, soft, kvm")]
    public void A_bad_option_value_is_named_without_dotnet_type_names(string option, string value, string message)
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        AssertPlain(result);
    }

    [Fact]
    public void Check_names_a_bad_accelerator_plainly_too()
    {
        var result = Minivmm.Run("check", "--machine", "configs/seed-add.json", "--accel", "fast");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--accel: 'fast' is not one of auto, soft, kvm", result.Stderr);
        AssertPlain(result);
    }

    [Fact]
    public void A_log_file_that_cannot_be_written_is_an_error_before_anything_runs()
    {
        using var temp = new TempFolder();
        string log = temp.File(Path.Combine("no-such-folder", "x.log"));

        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--log-file", log);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--log-file: cannot write '{log}'", result.Stderr);
        Assert.Equal("", result.Stdout); // the guest did not run
        Assert.False(Directory.Exists(temp.File("no-such-folder"))); // nor was the folder made up
    }

    [Fact]
    public void A_writable_log_file_receives_the_logs()
    {
        using var temp = new TempFolder();
        string log = temp.File("minivmm.log");

        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--log-file", log, "--log-level", "information");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Booting", File.ReadAllText(log));
    }

    [Fact]
    public void Sizes_reach_tebibytes()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], extra: """, "limits": { "instructions": "1TiB" }"""));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void A_number_past_64_bits_is_too_large_not_malformed()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], extra: """, "limits": { "instructions": "99999999TiB" }"""));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("limits.instructions: '99999999TiB' is too large (at most 0xffffffffffffffff", result.Stderr);
    }

    [Theory]
    [InlineData("folder", "is a folder, not a file")]
    [InlineData("/dev/zero", "is a character device, not a regular file")]
    public void An_image_that_is_not_a_regular_file_says_what_it_is(string image, string message)
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("folder"));
        string machine = temp.Write("m.json", $$"""
            { "accelerator": "soft", "memory": [ { "base": "0x0", "size": "64KiB" } ],
              "boot": { "image": "{{image}}", "loadAddress": "0x1000", "entry": { "rip": "0x1000" } } }
            """);

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"boot.image: '{image}' {message}", result.Stderr);
        Assert.DoesNotContain("does not exist", result.Stderr);
        Assert.DoesNotContain("empty", result.Stderr);
    }
}
