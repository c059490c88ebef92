using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Abstractions;

/// <summary>
/// Typed reads of a device's options with the machine file's number syntax (decimal, "0x" hex,
/// size units such as "16MiB"). Wrong values throw <see cref="DeviceConfigurationException"/>.
/// </summary>
public static class DeviceOptions
{
    /// <summary>Reads an unsigned integer option, or <paramref name="fallback"/> when absent.</summary>
    public static ulong GetUInt64(this IConfiguration options, string name, ulong fallback)
    {
        string? text = options[name];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!NumberSyntax.TryParse(text, out ulong value))
            throw new DeviceConfigurationException(name, $"'{text}' is not a number (decimal, 0x hex, or a size such as 4KiB)");
        return value;
    }

    /// <summary>Reads a boolean option (true/false), or <paramref name="fallback"/> when absent.</summary>
    public static bool GetBoolean(this IConfiguration options, string name, bool fallback)
    {
        string? text = options[name];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!bool.TryParse(text, out bool value))
            throw new DeviceConfigurationException(name, $"'{text}' is not true or false");
        return value;
    }

    /// <summary>Reads a string option, or <paramref name="fallback"/> when absent.</summary>
    public static string GetString(this IConfiguration options, string name, string fallback)
        => options[name] is { Length: > 0 } text ? text : fallback;
}

/// <summary>The machine file's number syntax: 42, 0x2a, 4KiB, 16MiB, 1GiB, 1TiB (also K/M/G/T, KB/MB/GB/TB as binary units).</summary>
public static class NumberSyntax
{
    public static bool TryParse(string text, out ulong value)
    {
        value = 0;
        string s = text.Trim().Replace("_", "");
        if (s.Length == 0)
            return false;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

        int digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            digits++;
        if (digits == 0 || !ulong.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out ulong number))
            return false;
        ulong unit = s[digits..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1UL << 10,
            "M" or "MB" or "MIB" => 1UL << 20,
            "G" or "GB" or "GIB" => 1UL << 30,
            "T" or "TB" or "TIB" => 1UL << 40,
            _ => 0,
        };
        if (unit == 0 || number > ulong.MaxValue / unit)
            return false;
        value = number * unit;
        return true;
    }
}
