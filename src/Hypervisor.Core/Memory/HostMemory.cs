namespace Hypervisor.Core.Memory;

/// <summary>
/// How much memory this host can give a guest: its RAM plus swap (/proc/meminfo). Guest RAM is
/// reserved lazily, so a machine may ask for more than is free, but never for more than the host
/// could ever back: touching it would end in the OOM killer, not a clear error.
/// </summary>
public static class HostMemory
{
    /// <summary>MemTotal + SwapTotal in bytes, or null where /proc/meminfo is unreadable.</summary>
    public static ulong? Capacity()
    {
        try
        {
            ulong total = 0;
            int found = 0;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal) || line.StartsWith("SwapTotal:", StringComparison.Ordinal))
                {
                    total += ParseKibibytes(line) * 1024;
                    found++;
                }
            }
            return found == 2 ? total : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A size for messages: "64 GiB", "512 MiB", "4 KiB".</summary>
    public static string Describe(ulong bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} bytes" : $"{value:0.#} {units[unit]}";
    }

    // "MemTotal:       24683772 kB"
    private static ulong ParseKibibytes(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && ulong.TryParse(fields[1], out ulong kib) ? kib : 0;
    }
}
