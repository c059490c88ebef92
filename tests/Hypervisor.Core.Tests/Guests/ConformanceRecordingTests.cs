using System.Diagnostics;
using System.Text.Json;

namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// The conformance suite's recorded references (guests/conformance/NAME.expected and .status,
/// QEMU's serial output and exit status) and machine files must exist and fit each ROM; where
/// QEMU is installed, a fresh QEMU run must still produce exactly the recording.
/// </summary>
public sealed class ConformanceRecordingTests
{
    private const int RomSize = 64 * 1024;
    private const int ResetVectorOffset = 0xfff0;
    private const byte FarJumpOpcode = 0xea;

    private static string ConformanceDir => Path.Combine(GuestTree.GuestsDir, "conformance");

    private static string ConfigDir => Path.Combine(GuestTree.RepoRoot, "configs", "conformance");

    public static TheoryData<string> Roms() =>
        new(Directory.EnumerateFiles(ConformanceDir, "*.rom").Select(p => Path.GetFileNameWithoutExtension(p)!).Order(StringComparer.Ordinal));

    /// <summary>Every recorded guest: the conformance ROMs and the Multiboot kernels, as paths relative to guests/.</summary>
    public static TheoryData<string> Images() =>
        new(Directory.EnumerateFiles(ConformanceDir, "*.rom")
            .Concat(Directory.EnumerateFiles(Path.Combine(GuestTree.GuestsDir, "multiboot"), "*.elf"))
            .Select(p => Path.GetRelativePath(GuestTree.GuestsDir, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal));

    [Fact]
    public void Every_conformance_source_has_a_rom() =>
        Assert.All(Directory.EnumerateFiles(ConformanceDir, "*.S"),
            source => Assert.True(File.Exists(Path.ChangeExtension(source, ".rom")), $"{source} has no .rom; run guests/build.sh"));

    [Theory]
    [MemberData(nameof(Roms))]
    public void Rom_is_64KiB_with_a_far_jump_into_the_F000_segment_at_the_reset_vector(string name)
    {
        byte[] rom = File.ReadAllBytes(Path.Combine(ConformanceDir, name + ".rom"));
        Assert.Equal(RomSize, rom.Length);
        Assert.Equal(FarJumpOpcode, rom[ResetVectorOffset]);
        Assert.Equal(0xf000, BitConverter.ToUInt16(rom, ResetVectorOffset + 3));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Recording_exists_and_ends_with_an_exit_or_a_shutdown(string image)
    {
        string name = Path.GetFileNameWithoutExtension(image);
        string expected = Path.Combine(GuestTree.GuestsDir, Path.ChangeExtension(image, ".expected"));
        string status = Path.Combine(GuestTree.GuestsDir, Path.ChangeExtension(image, ".status"));
        Assert.True(File.Exists(expected), $"{expected} missing; run scripts/conformance.sh --record {name}");
        Assert.True(int.TryParse(File.ReadAllText(status).Trim(), out int code), $"{status} is not an exit status");
        // isa-debug-exit gives odd statuses; 0 is QEMU's -no-reboot shutdown. A timeout (124) is never a valid reference.
        Assert.True(code % 2 == 1 || code == 0, $"{name}: recorded status {code} is neither an isa-debug-exit status nor a shutdown");
        Assert.NotEmpty(File.ReadAllBytes(expected));
    }

    [Theory]
    [MemberData(nameof(Roms))]
    public void Machine_file_boots_the_rom_at_the_reset_vector(string name)
    {
        string config = Path.Combine(ConfigDir, name + ".json");
        Assert.True(File.Exists(config), $"{config} missing");
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        var boot = json.RootElement.GetProperty("boot");
        Assert.Equal("flat", boot.GetProperty("format").GetString());
        string image = Path.GetFullPath(Path.Combine(ConfigDir, boot.GetProperty("image").GetString()!));
        Assert.Equal(Path.GetFullPath(Path.Combine(ConformanceDir, name + ".rom")), image);
        Assert.Equal("0xf0000", boot.GetProperty("loadAddress").GetString());
        Assert.Equal("0xf000", boot.GetProperty("entry").GetProperty("cs").GetString());
        Assert.Equal("0xfff0", boot.GetProperty("entry").GetProperty("rip").GetString());
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_recorded_guest_has_a_machine_file(string image) =>
        Assert.True(File.Exists(Path.Combine(ConfigDir, Path.GetFileNameWithoutExtension(image) + ".json")),
            $"guests/{image} has no configs/conformance/{Path.GetFileNameWithoutExtension(image)}.json");

    [QemuTheory]
    [MemberData(nameof(Images))]
    public void Qemu_still_produces_the_recording(string image)
    {
        string name = Path.GetFileNameWithoutExtension(image);
        string output = Path.Combine(Path.GetTempPath(), $"minivmm-conf-{name}-{Environment.ProcessId}.out");
        try
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(GuestTree.RepoRoot, "scripts", "conformance", "run-qemu.sh"));
            start.ArgumentList.Add(Path.Combine(GuestTree.GuestsDir, image));
            start.ArgumentList.Add(output);
            start.ArgumentList.Add("60");
            using var qemu = Process.Start(start)!;
            qemu.StandardOutput.ReadToEnd();
            string log = qemu.StandardError.ReadToEnd();
            Assert.True(qemu.WaitForExit(TimeSpan.FromSeconds(90)), "QEMU did not finish");
            int recorded = int.Parse(File.ReadAllText(Path.Combine(GuestTree.GuestsDir, Path.ChangeExtension(image, ".status"))).Trim());
            Assert.True(recorded == qemu.ExitCode, $"QEMU exit status {qemu.ExitCode}, recorded {recorded}. {log}");
            Assert.Equal(File.ReadAllText(Path.Combine(GuestTree.GuestsDir, Path.ChangeExtension(image, ".expected"))), File.ReadAllText(output));
        }
        finally
        {
            File.Delete(output);
        }
    }
}

/// <summary>A theory that is skipped, with the reason, where qemu-system-x86_64 is not installed.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        if (!path.Any(dir => File.Exists(Path.Combine(dir, "qemu-system-x86_64"))))
            Skip = "qemu-system-x86_64 not installed (scripts/conformance.sh installs it)";
    }
}
