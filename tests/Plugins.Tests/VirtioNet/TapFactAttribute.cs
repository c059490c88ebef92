using System.Diagnostics;

namespace Plugins.Tests.VirtioNet;

/// <summary>A fact that needs root, /dev/net/tun and iproute2 (network namespaces): skipped, with the reason, without them.</summary>
public sealed class TapFactAttribute : FactAttribute
{
    public TapFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
            Skip = "TAP interfaces are Linux's";
        else if (Environment.UserName != "root")
            Skip = "creating a TAP interface and a network namespace needs root";
        else if (!File.Exists("/dev/net/tun"))
            Skip = "no /dev/net/tun on this host";
        else if (!new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.Any(File.Exists))
            Skip = "no ip command (iproute2) to make the network namespace";
    }

    /// <summary>Runs <c>ip</c> with <paramref name="arguments"/>; throws with its error output when it fails.</summary>
    public static void Ip(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
    }
}
