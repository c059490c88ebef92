using System.CommandLine;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;

namespace MiniVmm.Commands;

/// <summary><c>minivmm check --machine F</c>: validates a machine file (and its devices' options) without running it.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var machine = CommonOptions.Machine(required: true);
        var plugins = CommonOptions.Plugins();
        var command = new Command("check", "Validate a machine file, its devices and their options, without running it");
        command.Options.Add(machine);
        command.Options.Add(plugins);
        command.SetAction(parse => Run(parse.GetValue(machine)!, parse.GetValue(plugins)));
        return command;
    }

    private static int Run(FileInfo machineFile, DirectoryInfo[]? plugins)
    {
        var logger = Logging.Create(null);
        return MachineSession.Use(machineFile, plugins, [], logger, (config, catalog) =>
        {
            // Building the devices checks types, options and bus ranges; nothing runs and nothing is kept.
            using var memory = new Hypervisor.Core.Memory.GuestMemory(config.Memory.Select(m => (m.Base, m.Size)));
            using var clock = new HostClock();
            var env = new MachineDevices.Environment(memory, clock, new MachineControl(), new InterruptRouter(), logger, config.Directory, WaitForClients: false);
            using var devices = MachineDevices.Build(config with { }, catalog, env);
            Console.WriteLine($"{machineFile.FullName}: ok ({config.Devices.Count} devices, {config.Memory.Sum(m => (decimal)m.Size) / 1024} KiB RAM, boot {config.Boot.Format})");
            return ExitCodes.Success;
        });
    }
}
