namespace MiniVmm.Tests;

/// <summary>Every kind of bad input gets one clear message, a documented exit code, no stack trace and no hang.</summary>
public class BadInputTests
{
    private static void AssertNoStackTrace(Minivmm.Result result)
    {
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", result.Stderr); // a .NET stack frame
        Assert.DoesNotContain("Unhandled exception", result.Stderr);
    }

    [Fact]
    public void A_missing_machine_file()
    {
        var result = Minivmm.Run("--machine", "configs/no-such-machine.json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-machine.json is not a valid machine file", result.Stderr);
        Assert.Contains("the machine file does not exist", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void A_malformed_machine_file()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.Write("m.json", "{ \"memory\": [ }"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not valid JSON", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void An_unknown_device_type_lists_the_known_ones()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], """{ "type": "uart8250", "ports": "0x3f8" }"""));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[0].type: unknown device type 'uart8250'", result.Stderr);
        Assert.Contains("uart16550", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void Overlapping_devices_are_named_both()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], """
            { "type": "uart16550", "name": "com1", "ports": "0x3f8" },
            { "type": "debugcon", "name": "dbg", "ports": "0x3fa" }
            """));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[1]: device 'dbg' (ports 0x3fa) overlaps device 'com1' (ports 0x3f8-0x3ff)", result.Stderr);
    }

    [Fact]
    public void An_unknown_device_option()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], """{ "type": "uart16550", "ports": "0x3f8", "options": { "baud": 9600 } }"""));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devices[0].options.baud: device type 'uart16550' has no option 'baud'", result.Stderr);
    }

    [Fact]
    public void An_image_larger_than_its_slot()
    {
        using var temp = new TempFolder();
        temp.Write("big.bin", new byte[8192]);
        string machine = temp.Write("m.json", """
            { "memory": [ { "base": "0x1000", "size": "4KiB" } ], "boot": { "image": "big.bin", "loadAddress": "0x1000" } }
            """);

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("boot.image: the image (8192 bytes) loaded at 0x1000 does not fit in RAM", result.Stderr);
    }

    [Fact]
    public void A_missing_plugin_folder()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--plugins", "/nonexistent/plugins");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("plugin folder '/nonexistent/plugins' does not exist", result.Stderr);
    }

    [Fact]
    public void A_plugin_that_fails_to_load()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("Broken"));
        temp.Write(Path.Combine("Broken", "Broken.dll"), "this is not an assembly"u8.ToArray());

        var result = Minivmm.Run("devices", "--plugins", temp.Path);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("Broken.dll' failed to load", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void A_device_that_fails_to_start()
    {
        using var temp = new TempFolder();
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xf4], """{ "type": "faulty", "ports": "0x80", "options": { "failOn": "construct" } }"""),
            "--plugins", Minivmm.TestPlugins);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("devices[0]: device 'faulty' (faulty, plugin FaultyDevice) failed to start: InvalidOperationException: the faulty device refuses to start", result.Stderr);
    }

    [Fact]
    public void A_device_that_throws_during_an_access_stops_the_vm_with_code_8()
    {
        using var temp = new TempFolder();
        // mov al, 0x5a; out 0x80, al; hlt
        var result = Minivmm.Run("--machine", temp.RealModeMachine([0xb0, 0x5a, 0xe6, 0x80, 0xf4],
            """{ "type": "faulty", "ports": "0x80", "options": { "failOn": "write" } }"""), "--plugins", Minivmm.TestPlugins);

        Assert.Equal(8, result.ExitCode);
        Assert.Contains("device 'faulty' failed on OUT to port 0x80 (size 1): InvalidOperationException: write of 0x5a failed on purpose", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void A_guest_that_runs_off_the_end_of_ram_is_reported_with_code_6()
    {
        using var temp = new TempFolder();
        temp.Write("nops.bin", Enumerable.Repeat((byte)0x90, 4096).ToArray());
        string machine = temp.Write("m.json", """
            { "accelerator": "soft", "memory": [ { "base": "0x1000", "size": "4KiB" } ],
              "boot": { "image": "nops.bin", "loadAddress": "0x1000", "entry": { "rip": "0x1000" } } }
            """);

        var result = Minivmm.Run("--machine", machine);

        Assert.Equal(6, result.ExitCode);
        // Said as the guest's doing (not "emulation failed", which reads like a minivmm bug), with the
        // first address past RAM and the register dump.
        Assert.Contains("the guest jumped outside RAM: instruction fetch from physical address 0x2000", result.Stderr);
        Assert.DoesNotContain("internal error", result.Stderr);
        Assert.Contains("rip=", result.Stderr);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void Accel_kvm_runs_on_kvm_or_names_why_it_cannot()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--accel", "kvm", "--log-level", "information");

        if (File.Exists("/dev/kvm"))
        {
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("4\n", result.Stdout);
            Assert.Contains("on kvm", result.Stderr);
        }
        else
        {
            Assert.Equal(4, result.ExitCode);
            Assert.Contains("kvm accelerator is unavailable", result.Stderr);
            Assert.Contains("/dev/kvm", result.Stderr);
        }
    }

    [Fact]
    public void Accel_soft_runs_the_software_cpu()
    {
        var result = Minivmm.Run("--machine", "configs/seed-add.json", "--accel", "soft", "--log-level", "information");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("4\n", result.Stdout);
        Assert.Contains("on soft", result.Stderr);
    }
}
