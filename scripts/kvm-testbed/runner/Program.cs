using System.Diagnostics;
using System.Globalization;
using Hypervisor.Kvm;
using Hypervisor.Kvm.Tests.Scenarios;

// Prints one line per scenario: "KVMTEST dotnet-<name> PASS|FAIL|SKIP reason", then
// "KVMMETRIC dotnet_counter_exits_per_second N" (measured after a 1 s warm-up). Exit code 0 when nothing failed.
// Usage: KvmTestbedRunner [counter-seconds]     the scenarios and the counter rate
//        KvmTestbedRunner --linux                the Linux boot alone ($KVM_TEST_LINUX_KERNEL), so /init can
//                                                bound it with its own timeout
bool linuxOnly = args.Length > 0 && args[0] == "--linux";
double seconds = args.Length > 0 && !linuxOnly ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
var started = Stopwatch.StartNew();
using var kvm = KvmAccelerator.TryOpen(out string reason);
int failed = 0;
foreach (var (name, run) in linuxOnly ? [] : KvmScenarios.All)
{
    if (kvm == null)
    {
        Console.WriteLine($"KVMTEST dotnet-{name} SKIP {reason}");
        continue;
    }
    var clock = Stopwatch.StartNew();
    try
    {
        run(kvm);
        Console.WriteLine($"KVMTEST dotnet-{name} PASS {clock.ElapsedMilliseconds} ms");
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"KVMTEST dotnet-{name} FAIL {e.GetType().Name}: {OneLine(e.Message)}");
    }
}
if (kvm != null && !linuxOnly)
{
    try
    {
        double rate = KvmScenarios.CounterExitsPerSecond(kvm, TimeSpan.FromSeconds(seconds), warmup: TimeSpan.FromSeconds(1));
        Console.WriteLine($"KVMTEST dotnet-counter-rate PASS");
        Console.WriteLine(FormattableString.Invariant($"KVMMETRIC dotnet_counter_exits_per_second {rate:F0}"));
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"KVMTEST dotnet-counter-rate FAIL {e.GetType().Name}: {OneLine(e.Message)}");
    }
}
if (kvm != null && linuxOnly && LinuxBootScenario.FindKernel() is { } kernel)
{
    // A real Linux bzImage through the 64-bit boot protocol, until the kernel proper prints the E820
    // map it read from the zero page.
    double limit = double.Parse(Environment.GetEnvironmentVariable("KVMTB_LINUX_SECONDS") ?? "60", CultureInfo.InvariantCulture);
    try
    {
        var result = LinuxBootScenario.BootToE820Map(kvm, kernel, TimeSpan.FromSeconds(limit));
        Console.WriteLine($"KVMTEST dotnet-linux-bzimage-boot PASS {result.Marker.TotalMilliseconds:F0} ms");
        Console.WriteLine($"KVMMETRIC linux_first_serial_byte_ms {result.FirstSerialByte.TotalMilliseconds:F0}");
        Console.WriteLine($"KVMMETRIC linux_e820_line_ms {result.Marker.TotalMilliseconds:F0}");
    }
    catch (Exception e)
    {
        failed++;
        Console.WriteLine($"KVMTEST dotnet-linux-bzimage-boot FAIL {e.GetType().Name}: {OneLine(e.Message)}");
    }
}
Console.WriteLine($"KVMMETRIC dotnet_runner_total_ms {started.ElapsedMilliseconds}");
return failed == 0 ? 0 : 1;

static string OneLine(string text) => text.ReplaceLineEndings(" | ");
