using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// <c>"irqchip": "kernel"</c> asks for the PC's interrupt controllers and timer inside the accelerator.
/// KVM has them (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2); an accelerator without them (the software CPU)
/// gets the same chips as the i8259 and i8254 device plugins, at the same ports (0x20, 0xa0, 0x4d0,
/// 0x40, 0x61) and lines, as QEMU does under TCG. KVM's set also has a local APIC per vCPU and an
/// I/O APIC; a machine of several vCPUs needs them to start its APs, so it gets them here too
/// (<c>"apic": true</c> and the ioapic plugin at 0xFEC00000). So one machine file (configs/linux.json)
/// boots on both accelerators, with <c>--set vcpus=2</c> too.
/// </summary>
internal static class UserSpaceIrqchip
{
    /// <summary>The JSON path the stand-in entries report in messages: they come from <c>"irqchip"</c>.</summary>
    public const string JsonPath = "irqchip";

    /// <summary>
    /// <paramref name="config"/> unchanged when its accelerator keeps the chips itself (or the file asks
    /// for plugins), else the same machine with the chips as plugin entries and <c>"irqchip": "devices"</c>.
    /// </summary>
    public static MachineConfig Substitute(MachineConfig config, IAccelerator accelerator, ILogger logger)
    {
        if (config.Irqchip != IrqchipMode.Kernel || accelerator.Features.HasFlag(AcceleratorFeatures.KernelIrqchip))
            return config;
        var taken = config.Devices.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var options = new ConfigurationBuilder().Build().GetSection("options");
        DeviceConfig Chip(string type, string name) => new()
        {
            JsonPath = JsonPath,
            Type = type,
            Name = Unique(name, taken),
            Options = options,
        };
        var chips = new List<DeviceConfig> { Chip("i8259", "pic"), Chip("i8254", "pit") };
        bool apics = config.Vcpus > 1 && accelerator.Features.HasFlag(AcceleratorFeatures.Apic);
        if (apics)
            chips.Add(Chip("ioapic", "ioapic"));
        logger.Information("irqchip: the {Accelerator} accelerator has no in-kernel interrupt controller; the 8259 pair and the 8254{Apics} run as device plugins ({Chips})",
            accelerator.Name, apics ? ", the local APICs and the I/O APIC" : "", string.Join(", ", chips.Select(c => c.Name)));
        return config with { Irqchip = IrqchipMode.Devices, Apic = config.Apic || apics, Devices = [.. chips, .. config.Devices] };
    }

    /// <summary><paramref name="name"/>, or the first of name-2, name-3 … no entry of the file uses.</summary>
    private static string Unique(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int i = 2; !taken.Add(candidate); i++)
            candidate = $"{name}-{i}";
        return candidate;
    }
}
