namespace Hypervisor.Core.Debug;

/// <summary>What <c>--trace</c> records, named as QEMU's <c>-d</c> items.</summary>
[Flags]
public enum TraceCategories
{
    None = 0,
    /// <summary>in_asm: every instruction before it runs, disassembled (software CPU).</summary>
    InAsm = 1,
    /// <summary>exec: every instruction's address before it runs (software CPU).</summary>
    Exec = 2,
    /// <summary>int: interrupts and exceptions as they are delivered (software CPU).</summary>
    Int = 4,
    /// <summary>exits: every exit of a vCPU to the VMM, with its reason.</summary>
    Exits = 8,
    /// <summary>io: every device access (port and MMIO) with its value and device.</summary>
    Io = 16,
    /// <summary>cpu_reset: the vCPU state at power-on and at each reset.</summary>
    CpuReset = 32,
}

/// <summary>Parsing <c>--trace in_asm,int</c> and <c>--trace-range 0x100000..0x100fff</c>.</summary>
public static class TraceOptions
{
    private static readonly (string Name, TraceCategories Category)[] Names =
    [
        ("in_asm", TraceCategories.InAsm), ("exec", TraceCategories.Exec), ("int", TraceCategories.Int),
        ("exits", TraceCategories.Exits), ("io", TraceCategories.Io), ("cpu_reset", TraceCategories.CpuReset),
    ];

    public static string Known => string.Join(", ", Names.Select(n => n.Name));

    /// <summary>Comma-separated names; throws <see cref="FormatException"/> naming an unknown one.</summary>
    public static TraceCategories ParseCategories(string spec)
    {
        var result = TraceCategories.None;
        foreach (string item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Names.FirstOrDefault(n => n.Name.Equals(item, StringComparison.OrdinalIgnoreCase));
            if (match.Name == null)
                throw new FormatException($"'{item}' is not a trace category; known: {Known}");
            result |= match.Category;
        }
        if (result == TraceCategories.None)
            throw new FormatException($"no trace category given; known: {Known}");
        return result;
    }

    /// <summary>
    /// Address ranges, comma-separated, as QEMU's -dfilter: <c>START..LAST</c> (inclusive) or
    /// <c>START+LENGTH</c>; numbers in hex with 0x or decimal.
    /// </summary>
    public static IReadOnlyList<(ulong First, ulong Last)> ParseRanges(string spec)
    {
        var ranges = new List<(ulong, ulong)>();
        foreach (string item in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dots = item.IndexOf("..", StringComparison.Ordinal), plus = item.IndexOf('+');
            ulong first, last;
            if (dots > 0)
            {
                first = Number(item[..dots], item);
                last = Number(item[(dots + 2)..], item);
            }
            else if (plus > 0)
            {
                first = Number(item[..plus], item);
                ulong length = Number(item[(plus + 1)..], item);
                if (length == 0)
                    throw new FormatException($"'{item}': the length is 0");
                last = first + length - 1;
            }
            else
            {
                throw new FormatException($"'{item}' is not START..LAST or START+LENGTH (e.g. 0x100000..0x100fff)");
            }
            if (last < first)
                throw new FormatException($"'{item}': the range ends before it starts");
            ranges.Add((first, last));
        }
        if (ranges.Count == 0)
            throw new FormatException("no address range given (e.g. 0x100000..0x100fff)");
        return ranges;
    }

    private static ulong Number(string text, string item)
    {
        text = text.Trim();
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (hex ? ulong.TryParse(text[2..], System.Globalization.NumberStyles.HexNumber, null, out ulong v) : ulong.TryParse(text, out v))
            return v;
        throw new FormatException($"'{item}': '{text}' is not a number");
    }
}
