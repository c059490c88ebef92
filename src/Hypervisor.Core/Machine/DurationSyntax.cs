using System.Globalization;

namespace Hypervisor.Core.Machine;

/// <summary>Durations in machine files and on the command line: "500ms", "10s", "2m", or plain seconds.</summary>
public static class DurationSyntax
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        string s = text.Trim();
        (string number, double scale) = s switch
        {
            _ when s.EndsWith("ms", StringComparison.Ordinal) => (s[..^2], 0.001),
            _ when s.EndsWith('s') => (s[..^1], 1.0),
            _ when s.EndsWith('m') => (s[..^1], 60.0),
            _ when s.EndsWith('h') => (s[..^1], 3600.0),
            _ => (s, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double amount) || amount <= 0 || double.IsInfinity(amount))
            return false;
        value = TimeSpan.FromSeconds(amount * scale);
        return true;
    }
}
