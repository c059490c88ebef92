using System.Diagnostics;
using Hypervisor.Kvm.Tests.Scenarios;

namespace Hypervisor.Kvm.Tests;

public class GuestImageTests
{
    public static TheoryData<string> Guests() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Guests"), "*.S").Select(f => Path.GetFileNameWithoutExtension(f)!).Order()];

    [Theory]
    [MemberData(nameof(Guests))]
    public void Committed_image_is_what_the_source_assembles_to(string guest)
    {
        if (!File.Exists("/usr/bin/as") || !File.Exists("/usr/bin/ld"))
            return; // binutils missing: nothing to compare with
        string output = Path.Combine(Path.GetTempPath(), $"kvm-guests-{Environment.ProcessId}");
        Directory.CreateDirectory(output);
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Guests", "assemble.sh"));
        start.ArgumentList.Add(output);
        using (var process = Process.Start(start)!)
        {
            string errors = process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), "assemble.sh timed out");
            Assert.True(process.ExitCode == 0, errors);
        }
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, guest + ".bin")), GuestImages.Load(guest));
    }
}
