using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// What a machine file asks that this host and accelerator cannot give, found before anything is
/// built: each problem names its JSON path, so <c>check</c> and <c>run</c> refuse the same machines
/// with the same words.
/// </summary>
internal static class MachineChecks
{
    /// <summary>Every problem of <paramref name="config"/> on <paramref name="accelerator"/>; empty when it can be built.</summary>
    public static List<string> Find(MachineConfig config, IAccelerator accelerator, ulong? hostCapacity)
    {
        var problems = new List<string>();
        if (config.Vcpus != 1 && !HasLocalApics(config, accelerator))
            problems.Add(accelerator.Features.HasFlag(AcceleratorFeatures.Apic)
                ? $"vcpus: {config.Vcpus} vCPUs start through their local APICs (INIT and start-up IPIs): add \"apic\": true"
                : accelerator.Features.HasFlag(AcceleratorFeatures.KernelIrqchip)
                    ? $"vcpus: {config.Vcpus} vCPUs on {accelerator.Name} start through its in-kernel local APICs (INIT and start-up IPIs): add \"irqchip\": \"kernel\""
                    : $"vcpus: {config.Vcpus} vCPUs on {accelerator.Name} are not implemented (no local APICs); use 1");
        if (config.Vcpus != 1 && config.OnReset == ResetPolicy.Restart)
            problems.Add($"onReset: 'restart' with {config.Vcpus} vCPUs is not implemented yet (the APs would not go back to waiting for their start-up IPI); use \"exit\"");
        if (config.Vcpus != 1 && config.Clock == ClockMode.Deterministic)
            problems.Add($"clock: deterministic time follows one vCPU's instructions, so {config.Vcpus} vCPUs cannot share it; use \"host\"");
        if (BootLoaders.Find(config.Boot.Format) == null)
            problems.Add($"boot.format: '{config.Boot.Format}' is not a boot format (expected {string.Join(", ", BootLoaders.All.Select(l => l.Format))})");
        if (config.Boot.Format == FirmwareLoader.FormatName && !accelerator.Features.HasFlag(AcceleratorFeatures.Firmware))
            problems.Add($"boot.format: 'bios' maps a firmware ROM with chipset-switched shadow RAM, which the {accelerator.Name} accelerator does not implement yet (use --accel soft)");
        if (config.Irqchip == IrqchipMode.Kernel && !accelerator.Features.HasFlag(AcceleratorFeatures.KernelIrqchip))
            problems.Add($"irqchip: 'kernel' needs an accelerator with an in-kernel interrupt controller (kvm), not {accelerator.Name}; use \"devices\" with the i8259/i8254 plugins");
        if (config.Apic && !accelerator.Features.HasFlag(AcceleratorFeatures.Apic))
            problems.Add(config.Irqchip == IrqchipMode.Kernel
                ? $"apic: \"irqchip\": \"kernel\" already gives every {accelerator.Name} vCPU KVM's in-kernel local APIC and I/O APIC; drop \"apic\""
                : $"apic: the {accelerator.Name} accelerator has no user-space local APIC (use --accel soft, or \"irqchip\": \"kernel\" for KVM's)");
        problems.AddRange(MemoryProblems(config, accelerator, hostCapacity));
        return problems;
    }

    /// <summary>Whether each vCPU gets a local APIC: user-space ones (<c>"apic": true</c>) or the accelerator's in-kernel ones.</summary>
    private static bool HasLocalApics(MachineConfig config, IAccelerator accelerator) =>
        (config.Apic && accelerator.Features.HasFlag(AcceleratorFeatures.Apic))
        || (config.Irqchip == IrqchipMode.Kernel && accelerator.Features.HasFlag(AcceleratorFeatures.KernelIrqchip));

    private static IEnumerable<string> MemoryProblems(MachineConfig config, IAccelerator accelerator, ulong? hostCapacity)
    {
        var ranges = config.Memory.Select(m => (m.Base, m.Size)).ToList();
        ulong total = ranges.Aggregate(0UL, (sum, r) => sum + r.Size);
        if (hostCapacity is { } capacity && total > capacity)
        {
            yield return $"memory: the RAM slots add up to {HostMemory.Describe(total)}, more than this host can ever back " +
                $"({HostMemory.Describe(capacity)} of RAM and swap); guest RAM is reserved lazily, but not beyond that";
        }
        if (accelerator.CheckMemoryLayout(ranges) is { } layoutProblem)
            yield return $"memory: {layoutProblem} (accelerator {accelerator.Name})";
    }
}
