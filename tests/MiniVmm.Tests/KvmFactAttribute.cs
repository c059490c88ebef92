namespace MiniVmm.Tests;

/// <summary>
/// A fact that runs minivmm with <c>--accel kvm</c>: skipped, with the reason, where /dev/kvm is missing
/// or cannot be opened for reading and writing (the nested test bed runs the same guests on KVM).
/// </summary>
public sealed class KvmFactAttribute : FactAttribute
{
    public KvmFactAttribute()
    {
        if (!File.Exists("/dev/kvm"))
            Skip = "no /dev/kvm here (scripts/kvm-testbed runs this guest under nested KVM)";
        else
        {
            try
            {
                using var _ = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                Skip = $"/dev/kvm does not open for reading and writing: {e.Message}";
            }
        }
    }
}
