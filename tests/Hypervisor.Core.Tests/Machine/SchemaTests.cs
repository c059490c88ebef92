using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Hypervisor.Core.Tests.Machine;

/// <summary>The shipped machine files follow configs/machine.schema.json, which editors use to complete and check them.</summary>
public class SchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromFile(Path.Combine(RepoPaths.Configs, "machine.schema.json"));

    public static TheoryData<string> MachineFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Configs, "*.json", SearchOption.AllDirectories)
                     .Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoPaths.Configs, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(MachineFiles))]
    public void Shipped_machine_file_is_valid_against_the_schema(string file)
    {
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Configs, file))).RootElement;
        var result = Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("\n", (result.Details ?? []).Where(d => d.Errors != null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    [Fact]
    public void Shipped_machine_files_reference_the_schema()
    {
        foreach (var file in MachineFiles())
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Configs, file)))!;
            Assert.EndsWith("machine.schema.json", (string?)json["$schema"]);
        }
    }

    [Theory]
    [InlineData("""{ "boot": { "image": "a", "loadAddress": 0 } }""")]
    [InlineData("""{ "memory": [ { "base": "0x1000", "size": "4 parsecs" } ], "boot": { "image": "a", "loadAddress": 0 } }""")]
    [InlineData("""{ "memory": [ { "base": 0, "size": 4096 } ], "boot": { "image": "a", "loadAddress": 0 }, "devices": [ { "type": "x", "ports": 70000 } ] }""")]
    [InlineData("""{ "memory": [ { "base": 0, "size": 4096 } ], "boot": { "format": "multiboot" } }""")]
    [InlineData("""{ "memory": [ { "base": 0, "size": 4096 } ], "boot": { "image": "a", "loadAddress": 0 }, "devices": [ { "type": "x", "options": { "backend": { "file": "a" } } } ] }""")]
    [InlineData("""{ "memory": [ { "base": 0, "size": 4096 } ], "boot": { "image": "a", "loadAddress": 0 }, "devices": [ { "type": "i8259", "windows": { "slave": "near" } } ] }""")]
    [InlineData("""{ "memory": [ { "base": 0, "size": 4096 } ], "boot": { "image": "a", "loadAddress": 0 }, "colour": "red" }""")]
    public void The_schema_rejects_bad_machine_files(string json)
    {
        Assert.False(Schema.Evaluate(JsonDocument.Parse(json).RootElement).IsValid);
    }
}
