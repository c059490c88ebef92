using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>The seed's two guests (shared/SEED.md), booted by the real minivmm from the shipped machine files.</summary>
public class SeedGuestTests
{
    [Fact]
    public void Seed_add_prints_4_and_a_newline_then_halts_with_exit_code_0()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json");

        Assert.Equal("4\n", result.Stdout);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Seed_add_computes_with_the_registers_the_machine_file_sets()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--set", "boot:entry:rax=5");

        Assert.Equal("7\n", result.Stdout);
    }

    [Fact]
    public void Environment_variables_override_machine_file_keys_and_others_are_ignored()
    {
        var environment = new Dictionary<string, string>
        {
            ["MINIVMM__boot__entry__rax"] = "3",
            ["MINIVMM_UNRELATED_SETTING"] = "1", // not a machine-file key: must not break the run
        };

        var result = Minivmm.Run(TimeSpan.FromSeconds(60), null, environment, "--machine", "configs/seed-add.json");

        Assert.Equal("5\n", result.Stdout);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Counter_reports_0_1_2_up_to_its_stop_after_limit()
    {
        using var temp = new TempFolder();
        string output = temp.File("writes.jsonl");

        var result = Minivmm.Run("--machine", "configs/counter.json", "--set", $"devices:0:options:output={output}");

        Assert.Equal(0, result.ExitCode);
        var writes = File.ReadAllLines(output).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(100, writes.Count);
        for (int i = 0; i < writes.Count; i++)
        {
            Assert.Equal(0x10, writes[i].GetProperty("port").GetInt32());
            Assert.Equal(2, writes[i].GetProperty("size").GetInt32());
            Assert.Equal(i, writes[i].GetProperty("value").GetInt32());
        }
    }

    [Fact]
    public void Counter_shows_each_write_on_stdout_at_the_default_log_level()
    {
        var result = Minivmm.Run("--machine", "configs/counter.json");

        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        Assert.Equal("out port: 0x10, size: 2, data: 0x0", lines[0]);
        Assert.Equal("out port: 0x10, size: 2, data: 0x63", lines[99]);
        Assert.DoesNotContain("out port", result.Stderr); // logs stay apart from what the machine shows
    }

    [Fact]
    public void Counter_without_stop_after_ends_at_the_instruction_limit_with_exit_code_124()
    {
        var result = Minivmm.Run("--machine", "configs/counter.json", "--set", "devices:0:options:stopAfter=0", "--set", "devices:0:options:backend=null", "--max-instructions", "30000", "--accel", "soft");

        Assert.Equal(124, result.ExitCode);
        Assert.Contains("instruction limit reached", result.Stderr);
    }

    [Fact]
    public void Counter_without_stop_after_ends_at_the_time_limit_with_exit_code_124()
    {
        var result = Minivmm.Run("--machine", "configs/counter.json", "--set", "devices:0:options:stopAfter=0", "--set", "devices:0:options:backend=null", "--timeout", "1s");

        Assert.Equal(124, result.ExitCode);
        Assert.Contains("time limit reached", result.Stderr);
    }

    [Fact]
    public void Stats_count_exits_by_reason_and_by_device()
    {
        var result = Minivmm.Run("--machine", "configs/counter.json", "--stats");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"Io\s+100\s", result.Stderr);
        Assert.Matches(@"counter\s+100\s+100\.0%\s+ports 0x10", result.Stderr);
        Assert.DoesNotContain("steady exit rate", result.Stderr); // 100 exits end long before the warm-up does
    }

    [Fact]
    public void Stats_give_the_steady_exit_rate_of_a_run_that_outlasts_the_warm_up()
    {
        var result = Minivmm.Run("--machine", "configs/counter.json", "--accel", "soft", "--stats", "--timeout", "3s",
            "--set", "devices:0:options:stopAfter=0", "--set", "devices:0:options:backend=null");

        Assert.Equal(124, result.ExitCode);
        var steady = Regex.Match(result.Stderr, @"steady exit rate: (\d+) exits in ([\d.]+) s after the first 2\.0 s: (\d+) exits/s, (\d+) per CPU second");
        Assert.True(steady.Success, result.Stderr);
        long exits = long.Parse(steady.Groups[1].Value);
        double seconds = double.Parse(steady.Groups[2].Value, CultureInfo.InvariantCulture);
        long total = long.Parse(Regex.Match(result.Stderr, @"minivmm statistics: (\d+) exits").Groups[1].Value);
        Assert.InRange(exits, 1, total - 1);           // the warm-up's exits are left out
        Assert.InRange(seconds, 0.5, 1.5);             // 3 s limit, 2 s warm-up
        Assert.InRange(long.Parse(steady.Groups[3].Value), exits / seconds * 0.99, exits / seconds * 1.01);
        Assert.True(long.Parse(steady.Groups[4].Value) > 0);
    }
}

/// <summary>The default machine the README's first command boots.</summary>
public class DefaultMachineTests
{
    [Theory]
    [InlineData("auto")] // the machine file's choice: KVM where /dev/kvm opens
    [InlineData("soft")]
    public void Pc_json_greets_from_real_and_protected_mode_and_halts_with_exit_code_0(string accelerator)
    {
        var result = Minivmm.Run("--machine", "configs/pc.json", "--accel", accelerator);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("MiniVmm: hello from 16-bit real mode", result.Stdout);
        Assert.Contains("MiniVmm: now in 32-bit protected mode", result.Stdout);
        Assert.Matches(@"CPUID vendor: \w{12}\r\n", result.Stdout);
        Assert.EndsWith("Goodbye: halting with interrupts off.\r\n", result.Stdout);
    }
}
