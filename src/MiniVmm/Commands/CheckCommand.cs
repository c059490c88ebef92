using System.CommandLine;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;

namespace MiniVmm.Commands;

/// <summary>
/// <c>minivmm check --machine F</c>: builds the machine exactly as a run would (<see cref="Vmm.Validate"/>: vCPUs,
/// accelerator features, memory layout, devices, boot image, VM and vCPUs) and stops before the first
/// guest instruction, so it refuses every machine a run would refuse, with the same message and exit code.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var machine = CommonOptions.Machine(required: true);
        var plugins = CommonOptions.Plugins();
        var accel = CliValues.OneOf<AcceleratorKind>("--accel", "Check for this accelerator (auto, soft or kvm) instead of the machine file's");
        var set = CommonOptions.Set();
        var command = new Command("check", "Validate a machine file as a run would build it (devices, boot image, accelerator), without running it");
        command.Options.Add(machine);
        command.Options.Add(plugins);
        command.Options.Add(accel);
        command.Options.Add(set);
        command.SetAction(parse => Run(parse.GetValue(machine)!, parse.GetValue(plugins), parse.GetValue(accel), parse.GetValue(set)));
        return command;
    }

    private static int Run(FileInfo machineFile, DirectoryInfo[]? plugins, AcceleratorKind? accel, string[]? set)
    {
        var logger = Logging.Create(null);
        var overrides = new List<KeyValuePair<string, string?>>();
        if (accel is { } kind)
            overrides.Add(new("accelerator", kind.ToString().ToLowerInvariant()));
        if (CommonOptions.AddSetOverrides(set, overrides) is { } badSet)
        {
            Console.Error.WriteLine($"minivmm: --set: '{badSet}' is not KEY=VALUE");
            return ExitCodes.BadConfiguration;
        }
        return MachineSession.Use(machineFile, plugins, overrides, logger, (config, catalog) =>
        {
            using var accelerator = AcceleratorSelector.Select(config.Accelerator, logger);
            Vmm.Validate(config, catalog, accelerator, logger);
            Console.WriteLine($"{machineFile.FullName}: ok ({config.Devices.Count} devices, {config.Memory.Sum(m => (decimal)m.Size) / 1024} KiB RAM, " +
                $"boot {config.Boot.Format}, accelerator {accelerator.Name})");
            return ExitCodes.Success;
        });
    }
}
