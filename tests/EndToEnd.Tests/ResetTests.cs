namespace EndToEnd.Tests;

/// <summary>Machine reset: a triple fault restarts the boot under "onReset": "restart" and ends the VM under "exit".</summary>
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
}
