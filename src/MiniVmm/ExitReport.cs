using Hypervisor.Core.Runtime;

namespace MiniVmm;

/// <summary>The <c>--stats</c> table: exits by reason and by device, with counts and shares, like kvm_stat.</summary>
internal static class ExitReport
{
    public static void Print(TextWriter output, VmmResult result, MachineDevices devices)
    {
        long total = Math.Max(1, result.Exits.Total);
        output.WriteLine($"minivmm statistics: {result.Exits.Total} exits in {result.Elapsed.TotalSeconds:0.000} s" +
            (result.InstructionsRetired is { } n ? $", {n} instructions retired" : ""));
        output.WriteLine($"  {"exit reason",-24} {"count",12} {"share",7}");
        foreach (var (reason, count) in result.Exits.NonZero().OrderByDescending(e => e.Count))
            output.WriteLine($"  {reason,-24} {count,12} {100.0 * count / total,6:0.0}%");

        var byDevice = devices.Ports.Registrations.Select(r => (r.Name, Where: $"ports {r.Range}", r.Accesses))
            .Concat(devices.Mmio.Registrations.Select(r => (r.Name, Where: $"mmio {r.Range}", r.Accesses)))
            .Append((Name: "(unclaimed)", Where: "", Accesses: devices.Ports.UnclaimedAccesses + devices.Mmio.UnclaimedAccesses))
            .Where(d => d.Accesses > 0)
            .OrderByDescending(d => d.Accesses)
            .ToList();
        long accesses = Math.Max(1, byDevice.Sum(d => d.Accesses));
        output.WriteLine($"  {"device",-24} {"accesses",12} {"share",7}  where");
        foreach (var d in byDevice)
            output.WriteLine($"  {d.Name,-24} {d.Accesses,12} {100.0 * d.Accesses / accesses,6:0.0}%  {d.Where}");
    }
}
