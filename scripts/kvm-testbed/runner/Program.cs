using System.Diagnostics;
using System.Globalization;
using Hypervisor.Kvm;
using Hypervisor.Kvm.Tests.Scenarios;

// Prints one line per scenario: "KVMTEST dotnet-<name> PASS|FAIL|SKIP reason", then
// "KVMMETRIC dotnet_counter_exits_per_second N" (measured after a 1 s warm-up). Exit code 0 when nothing failed.
// Each scenario runs under a 60 s guard: one that hangs is reported "FAIL (hung after 60 s)" and the rest still run.
// Usage: KvmTestbedRunner [counter-seconds]     the scenarios and the counter rate
//        KvmTestbedRunner --linux                the Linux boot alone ($KVM_TEST_LINUX_KERNEL), so /init can
//                                                bound it with its own timeout
bool linuxOnly = args.Length > 0 && args[0] == "--linux";
double seconds = args.Length > 0 && !linuxOnly ? double.Parse(args[0], CultureInfo.InvariantCulture) : 2.0;
var started = Stopwatch.StartNew();
var caseGuard = TimeSpan.FromSeconds(60);
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
    Console.WriteLine($"KVMTB case-start dotnet-{name}");
    var error = Guarded(() => run(kvm), caseGuard, out bool hung);
    if (hung)
    {
        failed++;
        Console.WriteLine($"KVMTEST dotnet-{name} FAIL (hung after {caseGuard.TotalSeconds:0} s)");
    }
    else if (error == null)
        Console.WriteLine($"KVMTEST dotnet-{name} PASS {clock.ElapsedMilliseconds} ms");
    else
    {
        failed++;
        Console.WriteLine($"KVMTEST dotnet-{name} FAIL {error.GetType().Name}: {OneLine(error.Message)}");
    }
}
if (kvm != null && !linuxOnly)
{
    Console.WriteLine("KVMTB case-start dotnet-counter-rate");
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

// The per-case guard: a scenario still running after CaseGuard is reported as hung and left behind on
// its background thread, so the scenarios after it still run.
static Exception? Guarded(Action scenario, TimeSpan limit, out bool hung)
{
    Exception? error = null;
    var thread = new Thread(() =>
    {
        try
        {
            scenario();
        }
        catch (Exception e)
        {
            error = e;
        }
    }) { IsBackground = true, Name = "scenario" };
    thread.Start();
    hung = !thread.Join(limit);
    return error;
}
