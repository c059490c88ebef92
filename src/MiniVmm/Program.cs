using System.CommandLine;
using Hypervisor.Core.Runtime;
using MiniVmm;
using MiniVmm.Commands;

// minivmm: boot a machine file (the root command), list device plugins, or check a machine file.
StartupTrace.Mark("entered Main");
var root = new RootCommand("MiniVmm: a small virtual machine monitor whose devices are plugins.\n" +
    "Exit codes: 0 halted/clean stop (or Ctrl-A X), odd = isa-debug-exit ((v << 1) | 1, low 8 bits), 2 bad machine file or arguments,\n" +
    "4 load failure, 6 guest crashed, 8 device failed, 70 internal error, 124 limit reached, 130 SIGINT, 143 SIGTERM.\n" +
    "A console on a terminal takes Ctrl-C for the guest: Ctrl-A X quits, Ctrl-A H lists the keys.");
new RunCommand().AddTo(root);
root.Subcommands.Add(DevicesCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(SnapshotCommand.Create());

var parse = root.Parse(args);
StartupTrace.Mark("command line parsed");
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"minivmm: {error.Message}");
    Console.Error.WriteLine("Try 'minivmm --help'.");
    return ExitCodes.BadConfiguration;
}
try
{
    return parse.Invoke();
}
catch (Exception e)
{
    Console.Error.WriteLine($"minivmm: internal error: {e.GetType().Name}: {e.Message}");
    return ExitCodes.VmmFailure;
}
