using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;

namespace Plugins.Tests.DebugPort;

public sealed class DebugConsoleTests
{
    [Fact]
    public void Written_bytes_reach_the_backend()
    {
        using var con = DeviceHarness.Create<DebugConsole>();

        con.Out(0, "ok\n"u8);

        Assert.Equal("ok\n", con.Backend.OutputText);
    }

    [Fact]
    public void Reads_return_0xe9_so_guests_can_detect_it()
    {
        using var con = DeviceHarness.Create<DebugConsole>();

        Assert.Equal(0xe9, con.In(0));
    }

    [Fact]
    public void Readback_is_configurable()
    {
        using var con = DeviceHarness.Create<DebugConsole>(new() { ["readback"] = "0x42" });

        Assert.Equal(0x42, con.In(0));
    }

    [Fact]
    public void A_readback_wider_than_a_byte_is_rejected()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<DebugConsole>(new() { ["readback"] = "0x100" }));
        Assert.Equal("readback", e.Option);
    }

    [Fact]
    public void Output_to_a_file_backend_is_on_disk_after_dispose()
    {
        string folder = Directory.CreateTempSubdirectory("debugcon-").FullName;
        try
        {
            using (var con = DeviceHarness.Create<DebugConsole>(new() { ["backend"] = "file:con.txt" }, new() { BaseDirectory = folder }))
                con.Out(0, "hi"u8);

            Assert.Equal("hi", File.ReadAllText(Path.Combine(folder, "con.txt")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
