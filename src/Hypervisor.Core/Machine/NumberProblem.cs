using System.Text.RegularExpressions;

namespace Hypervisor.Core.Machine;

/// <summary>Why a value is not a machine-file number: not one at all, or one too large for 64 bits.</summary>
internal static partial class NumberProblem
{
    /// <summary>The largest value a number can have: 2^64 - 1, just under 16 EiB.</summary>
    private const string Limit = "0xffffffffffffffff, just under 16 EiB";

    public static string Describe(string text)
        => WellFormed().IsMatch(text.Trim().Replace("_", ""))
            ? $"'{text}' is too large (at most {Limit})"
            : $"'{text}' is not a number (decimal, 0x hex, or a size such as 16MiB; units B, KiB, MiB, GiB, TiB)";

    // What NumberSyntax accepts, without its 64-bit limit.
    [GeneratedRegex(@"^(0[xX][0-9a-fA-F]+|[0-9]+\s*([kKmMgGtT]([iI]?[bB])?|[bB])?)$")]
    private static partial Regex WellFormed();
}
