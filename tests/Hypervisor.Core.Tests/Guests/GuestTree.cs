namespace Hypervisor.Core.Tests.Guests;

/// <summary>Locates the repository's guests/ folder and the GNU binutils that build it.</summary>
internal static class GuestTree
{
    /// <summary>The repository root (see <see cref="RepoPaths"/>).</summary>
    public static string RepoRoot => RepoPaths.Root;

    public static string GuestsDir => Path.Combine(RepoRoot, "guests");

    public static string BuildScript => Path.Combine(GuestsDir, "build.sh");

    /// <summary>Why the binutils tests cannot run here, or null when as, ld and objcopy are all on PATH.</summary>
    public static string? MissingToolsReason { get; } = FindMissingTools();

    /// <summary>Every guest source (*.S) under guests/, as a path relative to guests/ with '/' separators.</summary>
    public static IEnumerable<string> Sources() =>
        Directory.EnumerateFiles(GuestsDir, "*.S", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(GuestsDir, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal);

    /// <summary>The image build.sh makes from a source, by the source's folder (see guests/build.sh).</summary>
    public static string ImageFor(string source)
    {
        string folder = source.Split('/')[0];
        string extension = folder switch
        {
            "seed" or "flat" or "disk" => ".bin",
            "conformance" or "pc" or "bench" => ".rom",
            "multiboot" or "gdb" => ".elf",
            "linuxboot" => ".bzImage",
            _ => throw new InvalidOperationException($"guests/{source}: no build rule for folder '{folder}'"),
        };
        return Path.ChangeExtension(source, extension);
    }

    private static string? FindMissingTools()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        var missing = new[] { "as", "ld", "objcopy" }
            .Where(tool => !path.Any(dir => File.Exists(Path.Combine(dir, tool))))
            .ToArray();
        return missing.Length == 0 ? null : $"GNU binutils not found on PATH ({string.Join(", ", missing)}); install binutils";
    }
}

/// <summary>A fact that is skipped, with the reason, where GNU binutils are not installed.</summary>
public sealed class BinutilsFactAttribute : FactAttribute
{
    public BinutilsFactAttribute()
    {
        if (GuestTree.MissingToolsReason is { } reason)
            Skip = reason;
    }
}

/// <summary>A theory that is skipped, with the reason, where GNU binutils are not installed.</summary>
public sealed class BinutilsTheoryAttribute : TheoryAttribute
{
    public BinutilsTheoryAttribute()
    {
        if (GuestTree.MissingToolsReason is { } reason)
            Skip = reason;
    }
}
