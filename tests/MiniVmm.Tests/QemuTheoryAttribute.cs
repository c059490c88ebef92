namespace MiniVmm.Tests;

/// <summary>A theory that is skipped, with the reason, where qemu-system-x86_64 is not on PATH.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        if (!path.Any(dir => File.Exists(Path.Combine(dir, "qemu-system-x86_64"))))
            Skip = "qemu-system-x86_64 not installed (scripts/bench-vs-qemu.sh installs it)";
    }
}
