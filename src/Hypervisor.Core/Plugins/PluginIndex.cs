namespace Hypervisor.Core.Plugins;

/// <summary>
/// Which device types each plugin assembly provides, remembered between runs so a run loads only
/// the plugins its machine uses (<see cref="PluginCatalog.Open"/>). An entry is keyed by the
/// assembly's full path, size and modification time: a plugin that changed in any of them is
/// loaded and scanned again, and an unreadable or damaged index file is an empty index, so the
/// index can make a run slower, never wrong. Only plugins that loaded cleanly get an entry, so a
/// broken plugin is reported by every run, as without the index.
/// </summary>
/// <remarks>
/// The file is plain text, one line per assembly: path, size, time, then its type names (none for
/// an assembly without device types), tab separated. It is written to a temporary file and renamed
/// over the old one, so concurrent runs see a whole file; the last writer wins and a lost entry
/// only costs a scan.
/// </remarks>
public sealed class PluginIndex
{
    private const string Header = "minivmm plugin index 1";
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private bool _changed;

    private PluginIndex(string? path) => FilePath = path;

    // A class, not a struct: Dictionary<string, class> runs precompiled shared code, a struct value would be JIT-compiled at every start.
    private sealed record Entry(long Size, long ModifiedTicks, string[] TypeNames);

    /// <summary>The index file, or null for an index kept in memory only.</summary>
    public string? FilePath { get; }

    /// <summary>
    /// The index minivmm uses: <c>MINIVMM_PLUGIN_INDEX</c> (a file, or <c>off</c> for none), else
    /// <c>$XDG_CACHE_HOME/minivmm/plugin-index.tsv</c>, else <c>~/.cache/minivmm/plugin-index.tsv</c>.
    /// </summary>
    public static PluginIndex Default()
    {
        string? path = Environment.GetEnvironmentVariable("MINIVMM_PLUGIN_INDEX");
        if (string.Equals(path, "off", StringComparison.OrdinalIgnoreCase))
            return InMemory();
        if (string.IsNullOrEmpty(path))
        {
            string? cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(cache) && Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
                cache = Path.Combine(home, ".cache");
            if (string.IsNullOrEmpty(cache))
                return InMemory();
            path = Path.Combine(cache, "minivmm", "plugin-index.tsv");
        }
        return Read(path);
    }

    /// <summary>An index that starts empty and is never saved.</summary>
    public static PluginIndex InMemory() => new(null);

    /// <summary>The index in <paramref name="path"/>; missing, unreadable or damaged parts read as absent.</summary>
    public static PluginIndex Read(string path)
    {
        var index = new PluginIndex(Path.GetFullPath(path));
        try
        {
            using var reader = new StreamReader(index.FilePath!);
            if (reader.ReadLine() != Header)
                return index;
            while (reader.ReadLine() is { } line)
            {
                string[] fields = line.Split('\t');
                if (fields.Length >= 4 && long.TryParse(fields[1], out long size) && long.TryParse(fields[2], out long ticks))
                    index._entries[fields[0]] = new Entry(size, ticks, fields[3..].Where(name => name.Length > 0).ToArray());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No index yet, or one we cannot read: every plugin is scanned.
        }
        return index;
    }

    /// <summary>The type names recorded for <paramref name="assembly"/> if it is unchanged since, else null.</summary>
    public IReadOnlyList<string>? Lookup(FileInfo assembly)
        => _entries.TryGetValue(assembly.FullName, out var entry) && entry.Size == assembly.Length
            && entry.ModifiedTicks == assembly.LastWriteTimeUtc.Ticks ? entry.TypeNames : null;

    /// <summary>Records what a scan of <paramref name="assembly"/> found (an assembly with no device type is recorded too).</summary>
    public void Record(FileInfo assembly, IEnumerable<string> typeNames)
    {
        string[] names = typeNames.ToArray();
        // Tabs and line breaks would break the format; such an assembly is simply scanned each time.
        if (assembly.FullName.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0 || names.Any(n => n.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0))
            return;
        _entries[assembly.FullName] = new Entry(assembly.Length, assembly.LastWriteTimeUtc.Ticks, names);
        _changed = true;
    }

    /// <summary>Writes the index back if a scan added to it; a file that cannot be written is left as it was.</summary>
    public void SaveIfChanged()
    {
        if (!_changed || FilePath == null)
            return;
        string temporary = $"{FilePath}.{Environment.ProcessId}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            using (var writer = new StreamWriter(temporary))
            {
                writer.WriteLine(Header);
                foreach (var (path, entry) in _entries)
                    writer.WriteLine($"{path}\t{entry.Size}\t{entry.ModifiedTicks}\t{string.Join('\t', entry.TypeNames)}");
            }
            File.Move(temporary, FilePath, overwrite: true);
            _changed = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only home or cache: the next run scans again, which is only slower.
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do.
            }
        }
    }
}
