using System.Diagnostics;
using Hypervisor.Core.Backends;
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
        if (result.Steady is { Exits: > 0 } steady)
            output.WriteLine($"  steady exit rate: {steady.Exits} exits in {steady.Elapsed.TotalSeconds:0.000} s after the first " +
                $"{SteadyExitRate.WarmUp.TotalSeconds:0.0} s: {steady.PerSecond:0} exits/s, {steady.PerCpuSecond:0} per CPU second");
        foreach (var (line, raises) in result.ResampledIrqs)
            output.WriteLine($"  irqfd: IRQ {line} raised {raises} times through KVM_IRQFD, resampled at each EOI");
        if (StdioBackend.Shared.FirstOutputAt is { } first)
        {
            // From the process start (runtime start-up and machine assembly included), as a user waits for it.
            var started = Process.GetCurrentProcess().StartTime.ToUniversalTime();
            output.WriteLine($"  first guest output on stdio {(first - started).TotalMilliseconds:0} ms after minivmm started");
        }
        output.WriteLine($"  {"exit reason",-24} {"count",12} {"share",7}");
        foreach (var (reason, count) in result.Exits.NonZero().OrderByDescending(e => e.Count))
            output.WriteLine($"  {reason,-24} {count,12} {100.0 * count / total,6:0.0}%");
        if (result.Vcpus.Count > 1)
            PrintVcpus(output, result, total);

        var mapped = devices.Ports.Registrations.Select(r => (r.Name, Where: $"ports {r.Range}", r.Accesses))
            .Concat(devices.Mmio.Registrations.Select(r => (r.Name, Where: $"mmio {r.Range}", r.Accesses)))
            .ToList();
        // A region that moved at run time (a PCI BAR) is one line: its accesses wherever it was,
        // shown where it is now, or where it was last when the guest unmapped it.
        foreach (var (name, unmapped) in devices.Ports.Unmapped.Concat(devices.Mmio.Unmapped))
        {
            int index = mapped.FindIndex(d => d.Name == name);
            if (index >= 0)
                mapped[index] = mapped[index] with { Accesses = mapped[index].Accesses + unmapped.Accesses };
            else
                mapped.Add((name, $"{unmapped.LastRange} (unmapped)", unmapped.Accesses));
        }
        var byDevice = mapped
            .Append((Name: "(unclaimed)", Where: "", Accesses: devices.Ports.UnclaimedAccesses + devices.Mmio.UnclaimedAccesses))
            .Where(d => d.Accesses > 0)
            .OrderByDescending(d => d.Accesses)
            .ToList();
        long accesses = Math.Max(1, byDevice.Sum(d => d.Accesses));
        output.WriteLine($"  {"device",-24} {"accesses",12} {"share",7}  where");
        foreach (var d in byDevice)
            output.WriteLine($"  {d.Name,-24} {d.Accesses,12} {100.0 * d.Accesses / accesses,6:0.0}%  {d.Where}");
    }

    /// <summary>One line per vCPU: its exits, their share, its instructions and its most frequent exit reasons.</summary>
    private static void PrintVcpus(TextWriter output, VmmResult result, long total)
    {
        output.WriteLine($"  {"vcpu",-24} {"exits",12} {"share",7}  instructions, top exit reasons");
        foreach (var vcpu in result.Vcpus)
        {
            long exits = vcpu.Exits.Total;
            var top = vcpu.Exits.NonZero().OrderByDescending(e => e.Count).Take(3)
                .Select(e => $"{e.Reason} {100.0 * e.Count / Math.Max(1, exits):0}%");
            string instructions = vcpu.InstructionsRetired is { } n ? $"{n} instructions" : "-";
            output.WriteLine($"  {"vcpu" + vcpu.Id,-24} {exits,12} {100.0 * exits / total,6:0.0}%  {instructions}, {string.Join(", ", top)}");
        }
    }
}
