namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// Every guest program is committed as source plus assembled image; these tests re-assemble each
/// source with binutils and require the committed image to be byte-identical, so an edited
/// source with a stale image cannot pass.
/// </summary>
public sealed class GuestImageTests(GuestBuild build) : IClassFixture<GuestBuild>
{
    public static TheoryData<string> AllSources() => new(GuestTree.Sources());

    [BinutilsTheory]
    [MemberData(nameof(AllSources))]
    public void Committed_image_matches_a_fresh_build_of_its_source(string source)
    {
        string image = GuestTree.ImageFor(source);
        string committed = Path.Combine(GuestTree.GuestsDir, image);
        string fresh = Path.Combine(build.OutputDir, image);

        Assert.True(File.Exists(committed), $"guests/{image} is not committed; run guests/build.sh");
        Assert.True(File.Exists(fresh), $"guests/build.sh made no {image} from guests/{source}");
        byte[] expected = File.ReadAllBytes(fresh);
        byte[] actual = File.ReadAllBytes(committed);
        int firstDifference = FirstDifference(expected, actual);
        Assert.True(firstDifference < 0,
            $"guests/{image} is stale: {actual.Length} bytes committed, {expected.Length} built, first difference at offset 0x{firstDifference:x}; run guests/build.sh");
    }

    [Fact]
    public void The_guest_tree_has_the_seed_guests() =>
        Assert.Contains("seed/add.S", GuestTree.Sources());

    [BinutilsFact]
    public void Seed_add_is_exactly_the_seed_articles_bytes()
    {
        byte[] seed = [0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4];
        Assert.Equal(seed, File.ReadAllBytes(Path.Combine(build.OutputDir, "seed", "add.bin")));
        Assert.Equal(seed, File.ReadAllBytes(Path.Combine(GuestTree.GuestsDir, "seed", "add.bin")));
    }

    [BinutilsFact]
    public void Seed_counter_is_exactly_the_seed_articles_bytes()
    {
        byte[] seed = [0x31, 0xc0, 0xe7, 0x10, 0x40, 0xeb, 0xfb];
        Assert.Equal(seed, File.ReadAllBytes(Path.Combine(GuestTree.GuestsDir, "seed", "counter.bin")));
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        int common = Math.Min(a.Length, b.Length);
        for (int i = 0; i < common; i++)
        {
            if (a[i] != b[i])
                return i;
        }
        return a.Length == b.Length ? -1 : common;
    }
}
