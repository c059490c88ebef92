using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>
/// The benchmark guests of scripts/bench-vs-qemu.sh (guests/pc/primes and guests/bench/NAME) on
/// minivmm's software CPU must print exactly what QEMU printed when they were recorded
/// (NAME.expected, NAME.status next to the ROM), so the script only ever times a correct run.
/// A difference is a CPU bug: the guests compute checksums over everything they touch.
/// </summary>
public class BenchGuestTests
{
    private static string GuestsDir => Path.Combine(Minivmm.RepoRoot, "guests");

    private static string BenchDir => Path.Combine(GuestsDir, "bench");

    /// <summary>primes (guests/pc) and every ROM of guests/bench, by name.</summary>
    public static TheoryData<string> Guests() => new(Names());

    private static IEnumerable<string> Names() =>
        Directory.EnumerateFiles(BenchDir, "*.rom").Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Append("primes").Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_prints_what_qemu_printed_on_the_software_cpu(string name)
    {
        var result = Minivmm.Run(TimeSpan.FromMinutes(3), "--machine", Config(name), "--accel", "soft");

        Assert.Equal(Recorded(name), result.Stdout);
        Assert.Equal(RecordedStatus(name), result.ExitCode);
    }

    [QemuTheory]
    [MemberData(nameof(Guests))]
    public void Qemu_still_prints_the_recording(string name)
    {
        string output = Path.Combine(Path.GetTempPath(), $"minivmm-bench-{name}-{Environment.ProcessId}.out");
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(Minivmm.RepoRoot, "scripts", "conformance", "run-qemu.sh"), Rom(name), output, "60" })
                start.ArgumentList.Add(arg);
            using var qemu = Process.Start(start)!;
            qemu.StandardOutput.ReadToEnd();
            string log = qemu.StandardError.ReadToEnd();
            Assert.True(qemu.WaitForExit(TimeSpan.FromSeconds(90)), "QEMU did not finish");
            Assert.True(qemu.ExitCode == RecordedStatus(name), $"QEMU exit status {qemu.ExitCode}, recorded {RecordedStatus(name)}. {log}");
            Assert.Equal(Recorded(name), File.ReadAllText(output, Encoding.Latin1));
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Every_bench_source_has_a_rom_a_machine_file_and_a_recording()
    {
        foreach (string source in Directory.EnumerateFiles(BenchDir, "*.S"))
        {
            string name = Path.GetFileNameWithoutExtension(source);
            foreach (string file in new[] { Rom(name), Path.Combine(Minivmm.RepoRoot, Config(name)), Path.ChangeExtension(Rom(name), ".expected"), Path.ChangeExtension(Rom(name), ".status") })
                Assert.True(File.Exists(file), $"guests/bench/{name}.S: {file} is missing");
        }
    }

    [Fact]
    public void The_bench_script_runs_every_bench_guest_by_default()
    {
        string script = File.ReadAllText(Path.Combine(Minivmm.RepoRoot, "scripts", "bench-vs-qemu.sh"));
        var listed = Regex.Match(script, @"^all_guests=\(([^)]*)\)", RegexOptions.Multiline).Groups[1].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // startup is the script's start-up baseline, measured on every run rather than listed.
        var expected = Names().Where(name => name != "startup");
        Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    private static string Rom(string name) =>
        name == "primes" ? Path.Combine(GuestsDir, "pc", "primes.rom") : Path.Combine(BenchDir, name + ".rom");

    private static string Config(string name) => name == "primes" ? "configs/primes.json" : $"configs/bench/{name}.json";

    private static string Recorded(string name) => File.ReadAllText(Path.ChangeExtension(Rom(name), ".expected"), Encoding.Latin1);

    private static int RecordedStatus(string name) => int.Parse(File.ReadAllText(Path.ChangeExtension(Rom(name), ".status")).Trim());
}
