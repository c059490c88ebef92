using System.CommandLine;
using System.CommandLine.Parsing;
using Hypervisor.Abstractions;
using Hypervisor.Core.Machine;

namespace MiniVmm.Commands;

/// <summary>
/// Command-line options whose values minivmm parses itself, so a bad value is named in the user's
/// terms ("--timeout: 'soon' is not a duration") rather than as a .NET type or a machine-file fault.
/// </summary>
internal static class CliValues
{
    /// <summary>A count: decimal, 0x hex or with a unit, as in machine files.</summary>
    public static Option<ulong?> Number(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = Single(result);
            if (NumberSyntax.TryParse(text, out ulong value))
                return value;
            result.AddError($"{name}: '{text}' is not a number (decimal or 0x hex, e.g. 1000000)");
            return null;
        },
    };

    /// <summary>A duration as machine files write it ("500ms", "10s", "2m"), kept as text for the override.</summary>
    public static Option<string?> Duration(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = Single(result);
            if (DurationSyntax.TryParse(text, out _))
                return text;
            result.AddError($"{name}: '{text}' is not a duration (e.g. 500ms, 10s, 2m; more than 0)");
            return null;
        },
    };

    /// <summary>One of an enum's names, case-insensitive, listed in lower case when wrong.</summary>
    public static Option<TEnum?> OneOf<TEnum>(string name, string description) where TEnum : struct, Enum => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = Single(result);
            if (Enum.TryParse(text, ignoreCase: true, out TEnum value) && Enum.IsDefined(value))
                return value;
            string names = string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
            result.AddError($"{name}: '{text}' is not one of {names}");
            return null;
        },
    };

    /// <summary>A file minivmm appends to (created if missing); refused up front when it cannot be written, so nothing is lost silently.</summary>
    public static Option<FileInfo?> WritableFile(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            string text = Single(result);
            string path = Path.GetFullPath(text);
            try
            {
                if (Directory.Exists(path))
                    throw new IOException("it is a folder");
                using (new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { }
                return new FileInfo(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                result.AddError($"{name}: cannot write '{text}': {e.Message}");
                return null;
            }
        },
    };

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
