namespace MiniVmm.Tests;

/// <summary>
/// Machine reset: a triple fault, the i8042's 0xFE, 0xcf9 and port 0x92 restart the boot under
/// "onReset": "restart" and end the VM under "exit".
/// </summary>
public class ResetTests
{
    private static string Machine(TempFolder temp, string policy, string accel) => temp.Write("reset.json", $$"""
        { "accelerator": "{{accel}}", "onReset": "{{policy}}",
          "memory": [ { "base": "0x0", "size": "64KiB" } ],
          "boot": { "image": "{{Path.Combine(Minivmm.RepoRoot, "guests", "flat", "reset.bin")}}", "loadAddress": "0x1000",
                    "entry": { "cs": 0, "rip": "0x1000", "rsp": "0xfff0" } },
          "devices": [ { "type": "debugcon", "ports": "0xe9" } ] }
        """);

    [Fact]
    public void Restart_policy_boots_again_after_a_triple_fault()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", Machine(temp, "restart", "soft"), "--log-level", "information");

        Assert.Equal("123", result.Stdout); // RAM survives the reset; the guest counts its boots
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, result.Stderr.Split("machine reset (triple fault on vcpu0)").Length - 1);
    }

    [Fact]
    public void Exit_policy_reports_the_triple_fault_with_code_6()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", Machine(temp, "exit", "soft"));

        Assert.Equal("1", result.Stdout);
        Assert.Equal(6, result.ExitCode);
        Assert.Contains("guest shut down (triple fault)", result.Stderr);
        Assert.Contains("int3", result.Stderr); // the faulting instruction, disassembled
    }

    private static string PcResetMachine(TempFolder temp, string policy, string accel) => temp.Write("resetports.json", $$"""
        { "accelerator": "{{accel}}", "onReset": "{{policy}}",
          "memory": [ { "base": "0x0", "size": "64KiB" } ],
          "boot": { "image": "{{Path.Combine(Minivmm.RepoRoot, "guests", "flat", "resetports.bin")}}", "loadAddress": "0x1000",
                    "entry": { "cs": 0, "rip": "0x1000", "rsp": "0xfff0" } },
          "devices": [
            { "type": "debugcon" },
            { "type": "i8042", "name": "kbc" },
            { "type": "reset-control", "name": "rc" },
            { "type": "port92", "name": "p92" } ] }
        """);

    [Theory]
    [InlineData("soft")]
    [InlineData("auto")]   // KVM where /dev/kvm opens
    public void Each_pc_reset_source_restarts_the_boot(string accel)
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", PcResetMachine(temp, "restart", accel), "--log-level", "information");

        Assert.Equal("1234", result.Stdout);   // three resets, RAM kept, then HLT with IF=0 ends the VM
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("0xFE", result.Stderr);
        Assert.Contains("0xcf9", result.Stderr);
        Assert.Contains("port 0x92", result.Stderr);
        Assert.Equal(3, result.Stderr.Split("resetting the devices and vCPUs and booting again").Length - 1);
    }

    [Fact]
    public void Exit_policy_ends_the_vm_at_the_first_device_reset()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", PcResetMachine(temp, "exit", "soft"), "--log-level", "information");

        Assert.Equal("1", result.Stdout);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("onReset is \"exit\"", result.Stderr);
    }
}
