using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Post;
using Serilog.Events;

namespace Plugins.Tests.PostCode;

/// <summary>The POST code port: codes with timestamps in the log and the JSON-lines file.</summary>
public sealed class PostCodeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("post-code-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Each_code_is_logged_with_the_machine_time()
    {
        using var post = DeviceHarness.Create<PostCodePort>();
        post.Advance(TimeSpan.FromMilliseconds(1.5));

        post.Out(0, 0x2f);

        var message = Assert.Single(post.Log.Messages(LogEventLevel.Information));
        Assert.Contains("0x2f", message);
        Assert.Contains("0.001500 s", message);
    }

    [Fact]
    public void Repeated_codes_are_counted_not_logged_unless_asked()
    {
        using var post = DeviceHarness.Create<PostCodePort>();

        post.Out(0, 0x00);
        post.Out(0, 0x00);
        post.Out(0, 0x00);
        post.Out(0, 0x01);

        Assert.Equal(2, post.Log.Messages(LogEventLevel.Information).Count);
        Assert.Equal(2, post.Device.Repeats);

        using var all = DeviceHarness.Create<PostCodePort>(new() { ["logRepeats"] = "true" });
        all.Out(0, 0x00);
        all.Out(0, 0x00);
        Assert.Equal(2, all.Log.Messages(LogEventLevel.Information).Count);
    }

    [Fact]
    public void Reads_return_the_last_code()
    {
        using var post = DeviceHarness.Create<PostCodePort>();
        Assert.Equal(0xff, post.In(0));

        post.Out(0, 0x55);

        Assert.Equal(0x55, post.In(0));
    }

    [Fact]
    public void Output_file_gets_one_json_line_per_code()
    {
        using (var post = DeviceHarness.Create<PostCodePort>(new() { ["output"] = "post.jsonl" }, new() { BaseDirectory = _folder }))
        {
            post.Out(0, 0x10);
            post.Advance(TimeSpan.FromMicroseconds(7));
            post.Out(0, 0x11);
            post.Flush();
        }

        string[] lines = File.ReadAllLines(Path.Combine(_folder, "post.jsonl"));
        Assert.Equal(["{\"timeNs\":0,\"code\":\"0x10\"}", "{\"timeNs\":7000,\"code\":\"0x11\"}"], lines);
    }

    [Fact]
    public void An_output_file_that_cannot_be_created_is_a_configuration_error()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<PostCodePort>(
            new() { ["output"] = "no/such/folder/post.jsonl" }, new() { BaseDirectory = _folder }));

        Assert.Equal("output", e.Option);
    }
}
