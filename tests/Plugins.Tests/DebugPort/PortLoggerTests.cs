using System.Text.Json;
using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;
using Serilog.Events;

namespace Plugins.Tests.DebugPort;

public sealed class PortLoggerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("port-logger-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static DeviceHarnessSettings AtPort0x10 => new() { PortBase = 0x10 };

    [Fact]
    public void Each_write_is_one_line_on_the_backend_with_the_port_in_hex()
    {
        using var logger = DeviceHarness.Create<PortLogger>(settings: AtPort0x10);

        logger.Write(0, 2, 0);
        logger.Write(0, 2, 1);
        logger.Write(1, 1, 0x1ff);

        Assert.Equal("out port: 0x10, size: 2, data: 0x0\nout port: 0x10, size: 2, data: 0x1\nout port: 0x11, size: 1, data: 0xff\n",
            logger.Backend.OutputText);
    }

    [Fact]
    public void Each_write_is_also_logged_at_debug_level()
    {
        using var logger = DeviceHarness.Create<PortLogger>(settings: AtPort0x10);

        logger.Write(0, 2, 1);

        var write = Assert.Single(logger.Log.Events, e => e.Level == LogEventLevel.Debug);
        Assert.Equal("16", write.Properties["Port"].ToString());
        Assert.Equal("1", write.Properties["Value"].ToString());
    }

    [Fact]
    public void Output_file_gets_one_json_line_per_write()
    {
        using (var logger = DeviceHarness.Create<PortLogger>(new() { ["output"] = "writes.jsonl" },
                   AtPort0x10 with { BaseDirectory = _folder }))
        {
            for (uint v = 0; v < 3; v++)
                logger.Write(0, 2, v);
            logger.Write(1, 1, 0x1ff); // masked to the access width
            logger.Flush();
        }

        string[] lines = File.ReadAllLines(Path.Combine(_folder, "writes.jsonl"));
        Assert.Equal("{\"port\":16,\"size\":2,\"value\":0}", lines[0]);
        Assert.Equal("{\"port\":16,\"size\":2,\"value\":2}", lines[2]);
        Assert.Equal("{\"port\":17,\"size\":1,\"value\":255}", lines[3]);
        foreach (string line in lines)
            JsonDocument.Parse(line).Dispose();
    }

    [Fact]
    public void StopAfter_requests_a_clean_stop_on_the_nth_write_only()
    {
        using var logger = DeviceHarness.Create<PortLogger>(new() { ["stopAfter"] = "3" }, AtPort0x10);

        logger.Write(0, 2, 0);
        logger.Write(0, 2, 1);
        Assert.False(logger.Vm.StopRequested);
        logger.Write(0, 2, 2);
        logger.Write(0, 2, 3);

        Assert.Single(logger.Vm.StopRequests);
        Assert.Equal(0, logger.Vm.ExitCode);
    }

    [Fact]
    public void StopAfter_flushes_the_output_file_before_stopping()
    {
        using var logger = DeviceHarness.Create<PortLogger>(new() { ["output"] = "w.jsonl", ["stopAfter"] = "2" },
            AtPort0x10 with { BaseDirectory = _folder });

        logger.Write(0, 2, 7);
        logger.Write(0, 2, 8);

        string text;
        using (var reader = new FileStream(Path.Combine(_folder, "w.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            text = new StreamReader(reader).ReadToEnd();
        Assert.Equal(2, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void On_the_null_backend_writes_still_count_log_and_stop()
    {
        // No line is formatted for a backend that discards it: the rest of the device works as before.
        using var logger = DeviceHarness.Create<PortLogger>(new() { ["backend"] = "null", ["stopAfter"] = "2" }, AtPort0x10);

        logger.Write(0, 2, 5);
        Assert.False(logger.Vm.StopRequested);
        logger.Write(0, 2, 6);

        Assert.Single(logger.Vm.StopRequests);
        Assert.Equal(2, logger.Log.Events.Count(e => e.Level == LogEventLevel.Debug));
        Assert.Equal(6u, logger.Read(0, 2));
    }

    [Fact]
    public void Reads_return_the_last_value_written()
    {
        using var logger = DeviceHarness.Create<PortLogger>();
        logger.Write(0, 4, 0x12345678);

        Assert.Equal(0x5678u, logger.Read(0, 2));
    }

    [Theory]
    [InlineData("stopAfter", "many")]
    [InlineData("count", "0")]
    [InlineData("count", "300")]
    public void Bad_option_values_are_rejected_naming_the_option(string option, string value)
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<PortLogger>(new() { [option] = value }));
        Assert.Equal(option, e.Option);
    }

    [Fact]
    public void An_output_file_that_cannot_be_created_is_a_configuration_error()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() =>
            DeviceHarness.Create<PortLogger>(new() { ["output"] = "no/such/folder/w.jsonl" }, new() { BaseDirectory = _folder }));
        Assert.Equal("output", e.Option);
        Assert.Contains("no/such/folder", e.Message);
    }

    [Fact]
    public void Undeclared_options_are_rejected()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<PortLogger>(new() { ["stopafter"] = "1" }));
        Assert.Contains("stopAfter", e.Message);
    }
}
