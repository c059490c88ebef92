namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// Every conformance guest on the software CPU, in-process, against QEMU's recording
/// (NAME.expected / NAME.status): the same check as scripts/conformance.sh --minivmm-only, without
/// QEMU, plugins or the executable.
/// </summary>
public sealed class ConformanceOnSoftCpuTests
{
    // Every recorded guest must match. (A guest that exposes a CPU gap nobody can fix at once was
    // listed here as a known gap, with a test requiring it to keep failing; the list is empty now.)
    public static TheoryData<string> Guests() => new(AllGuests());

    private static string ConformanceDir => Path.Combine(GuestTree.GuestsDir, "conformance");

    [Theory]
    [MemberData(nameof(Guests))]
    public void Guest_matches_qemu(string name)
    {
        var (expectedOutcome, expectedSerial) = Recording(name);
        var (outcome, serial) = Run(name);
        Assert.Equal(expectedSerial, serial);
        Assert.Equal(expectedOutcome, outcome);
    }

    // The in-process machine has only the UART and isa-debug-exit; a guest whose machine file
    // declares more (pciedu: the PCI host and the edu plugin) runs through minivmm instead, in
    // scripts/conformance.sh and tests/MiniVmm.Tests.
    private static readonly string[] InProcessDevices = ["uart16550", "isa-debug-exit"];

    private static IEnumerable<string> AllGuests() =>
        Directory.EnumerateFiles(ConformanceDir, "*.rom").Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Where(NeedsOnlyInProcessDevices)
            .Append("info")
            .Order(StringComparer.Ordinal);

    [Fact]
    public void Only_guests_that_need_plugins_are_left_to_minivmm() =>
        Assert.Equal(["pciedu"], Directory.EnumerateFiles(ConformanceDir, "*.rom").Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Where(name => !NeedsOnlyInProcessDevices(name)));

    private static bool NeedsOnlyInProcessDevices(string name)
    {
        using var machine = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(GuestTree.RepoRoot, "configs", "conformance", name + ".json")));
        return machine.RootElement.GetProperty("devices").EnumerateArray()
            .All(device => InProcessDevices.Contains(device.GetProperty("type").GetString()));
    }

    private static (string Outcome, string Serial) Run(string name)
    {
        using var machine = name == "info"
            ? ConformanceMachine.ForMultiboot(Path.Combine(GuestTree.GuestsDir, "multiboot", "info.elf"),
                File.ReadAllText(Path.Combine(GuestTree.GuestsDir, "multiboot", "info.cmdline")))
            : ConformanceMachine.ForRom(Path.Combine(ConformanceDir, name + ".rom"));
        return machine.Run();
    }

    /// <summary>QEMU's recorded outcome (status 0 under -no-reboot is a shutdown) and serial output.</summary>
    private static (string Outcome, string Serial) Recording(string name)
    {
        string folder = name == "info" ? Path.Combine(GuestTree.GuestsDir, "multiboot") : ConformanceDir;
        int status = int.Parse(File.ReadAllText(Path.Combine(folder, name + ".status")).Trim());
        string outcome = status == 0 ? "shutdown" : $"exit {status}";
        return (outcome, System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(folder, name + ".expected"))));
    }
}
