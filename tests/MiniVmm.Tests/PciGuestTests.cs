namespace MiniVmm.Tests;

/// <summary>
/// The pciedu guest on the complete PC plus QEMU's edu device (configs/pc-edu.json), run by the
/// real minivmm: it scans bus 0 through 0xcf8/0xcfc, programs and moves the edu BAR, talks to the
/// device and exits through isa-debug-exit. Its serial output must be QEMU's recording of the same
/// ROM under <c>-device edu,addr=4</c> (guests/conformance/pciedu.expected).
/// </summary>
public class PciGuestTests
{
    [Theory]
    [InlineData("soft")]
    [InlineData("auto")] // KVM where /dev/kvm opens: the BAR's accesses arrive as KVM MMIO exits
    public void Pciedu_guest_prints_what_qemu_prints(string accelerator)
    {
        string expected = File.ReadAllText(Path.Combine(Minivmm.RepoRoot, "guests", "conformance", "pciedu.expected"));

        var result = Minivmm.Run("--machine", "configs/pc-edu.json", "--accel", accelerator);

        Assert.Equal(expected, result.Stdout);
        Assert.Equal(1, result.ExitCode); // isa-debug-exit with 0, as QEMU's status 1
    }

    [Fact]
    public void Stats_show_the_bar_where_the_guest_left_it()
    {
        var result = Minivmm.Run("--machine", "configs/pc-edu.json", "--accel", "soft", "--stats");

        Assert.Equal(1, result.ExitCode);
        // One line for the BAR wherever it was; the guest turned decoding off before it exited.
        Assert.Matches(@"edu BAR0\s+\d+\s+\S+%\s+mmio 0xfd000000-0xfd0fffff \(unmapped\)", result.Stderr);
    }

    [Fact]
    public void Edu_at_the_host_bridge_address_is_a_machine_file_error_naming_the_option()
    {
        var result = Minivmm.Run("--machine", "configs/pc-edu.json", "--set", "devices:7:options:pciAddress=00:00.0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[7].options.pciAddress: edu 'edu': PCI address 00:00.0 is already taken by 'pci'", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void A_pci_function_without_a_pci_host_is_a_machine_file_error()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], """
            { "type": "edu", "name": "edu", "options": { "pciAddress": "00:04.0" } }
            """));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[0]: 'edu' is a PCI function (00:04.0) but the machine has no pci-host entry", result.Stderr);
        Assert.Empty(result.Stdout);
    }
}
