namespace MiniVmm.Tests;

/// <summary>The i8042 and port 0x92 drive the software CPU's A20 gate through the machine.</summary>
public class A20Tests
{
    [Fact]
    public void Disabling_a20_makes_addresses_wrap_at_1_MiB()
    {
        using var temp = new TempFolder();
        string machine = temp.Write("a20.json", $$"""
            { "accelerator": "soft",
              "memory": [ { "base": "0x0", "size": "2MiB" } ],
              "boot": { "image": "{{Path.Combine(Minivmm.RepoRoot, "guests", "flat", "a20.bin")}}", "loadAddress": "0x1000",
                        "entry": { "cs": 0, "rip": "0x1000", "rsp": "0xfff0" } },
              "devices": [
                { "type": "debugcon" },
                { "type": "i8042" },
                { "type": "port92" } ] }
            """);

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("\u0011\u0033", result.Stdout);
    }
}
