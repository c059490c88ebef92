namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// Every conformance guest on the software CPU, in-process, against QEMU's recording
/// (NAME.expected / NAME.status): the same check as scripts/conformance.sh --minivmm-only, without
/// QEMU, plugins or the executable. Guests with a known gap are listed with the reason; a test
/// requires them to still fail, so the list shrinks as soon as the gap is closed.
/// </summary>
public sealed class ConformanceOnSoftCpuTests
{
    /// <summary>Guests that do not match QEMU yet, and why (the first divergence).</summary>
    private static readonly Dictionary<string, string> KnownGaps = new()
    {
        ["alurand16"] = "DAS leaves CF clear when AL - 6 borrows (SDM: CF = old CF or the borrow); e.g. AL=00, AF=1, CF=0 gives AL=FA with CF=1",
        ["fpu32"] = "x87 arithmetic: FLD1 (d9 e8) is not implemented",
        ["pae32"] = "EFER is not implemented (no extended CPUID leaves, so no NX): RDMSR 0xc0000080 raises #GP",
    };

    private static string ConformanceDir => Path.Combine(GuestTree.GuestsDir, "conformance");

    public static TheoryData<string> PassingGuests() =>
        new(AllGuests().Where(name => !KnownGaps.ContainsKey(name)));

    public static TheoryData<string> GuestsWithKnownGaps() => new(KnownGaps.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(PassingGuests))]
    public void Guest_matches_qemu(string name)
    {
        var (expectedOutcome, expectedSerial) = Recording(name);
        var (outcome, serial) = Run(name);
        Assert.Equal(expectedSerial, serial);
        Assert.Equal(expectedOutcome, outcome);
    }

    [Theory]
    [MemberData(nameof(GuestsWithKnownGaps))]
    public void Guest_with_a_known_gap_still_differs_from_qemu(string name)
    {
        var (expectedOutcome, expectedSerial) = Recording(name);
        var (outcome, serial) = Run(name);
        Assert.False(outcome == expectedOutcome && serial == expectedSerial,
            $"{name} now matches QEMU: remove it from KnownGaps ({KnownGaps[name]})");
    }

    private static IEnumerable<string> AllGuests() =>
        Directory.EnumerateFiles(ConformanceDir, "*.rom").Select(p => Path.GetFileNameWithoutExtension(p)!)
            .Append("info")
            .Order(StringComparer.Ordinal);

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
