namespace Hypervisor.Core.Runtime;

/// <summary>
/// Device types that were separate entries before one entry became one chip: a machine file that
/// still names one is told where its ports went instead of only "unknown device type".
/// </summary>
internal static class RetiredDeviceTypes
{
    private static readonly Dictionary<string, string> Successors = new(StringComparer.Ordinal)
    {
        ["i8259-slave-ports"] = "the i8259 entry brings the slave's ports (its \"slave\" window, 0xa0); remove this entry",
        ["i8259-elcr"] = "the i8259 entry brings the ELCR (its \"elcr\" window, 0x4d0); remove this entry",
        ["pc-speaker-port"] = "the i8254 entry brings port 0x61 (its \"port61\" window); remove this entry",
        ["i8042-data"] = "the i8042 entry brings its data port (its \"data\" window, 0x60); remove this entry",
    };

    /// <summary>What replaced <paramref name="type"/>, or null when it never existed.</summary>
    public static string? Successor(string type) => Successors.GetValueOrDefault(type);
}
