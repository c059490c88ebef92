using System.CommandLine;
using System.Runtime.InteropServices;
using Hypervisor.Core.Backends;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Runtime;
using Serilog;

namespace MiniVmm.Commands;

/// <summary><c>minivmm --machine F</c>: boots a machine and runs it until the guest, a device, a limit or a signal stops it.</summary>
internal sealed class RunCommand
{
    private readonly Option<FileInfo> _machine = CommonOptions.Machine(required: false);
    private readonly Option<DirectoryInfo[]> _plugins = CommonOptions.Plugins();
    private readonly Option<AcceleratorKind?> _accel = CliValues.OneOf<AcceleratorKind>("--accel", "auto (KVM if /dev/kvm opens, else soft), soft or kvm; overrides the machine file");
    private readonly Option<string?> _logLevel = new("--log-level") { Description = "verbose, debug, information, warning (default), error or fatal" };
    private readonly Option<FileInfo?> _logFile = CliValues.WritableFile("--log-file", "Write logs to this file (appended) instead of stderr");
    private readonly Option<bool> _stats = new("--stats") { Description = "Print exits by reason and by device at the end (to stderr)" };
    private readonly Option<ulong?> _maxInstructions = CliValues.Number("--max-instructions", "Stop after this many guest instructions per vCPU (software CPU; exit code 124)");
    private readonly Option<string?> _timeout = CliValues.Duration("--timeout", "Stop after this much wall-clock time, e.g. 500ms, 10s (exit code 124)");
    private readonly Option<string[]> _set = CommonOptions.Set();
    private readonly DebugOptions _debug = new();
    private readonly SnapshotOptions _snapshots = new();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _machine, _plugins, _accel, _logLevel, _logFile, _stats, _maxInstructions, _timeout, _set }.Concat(_debug.All).Concat(_snapshots.All))
            command.Options.Add(option);
        command.SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var machineFile = parse.GetValue(_machine);
        if (machineFile == null)
        {
            Console.Error.WriteLine("minivmm: no machine given; try 'minivmm --machine configs/pc.json' or 'minivmm --help'");
            return ExitCodes.BadConfiguration;
        }
        string? cliLevel = parse.GetValue(_logLevel);
        if (cliLevel != null && !Logging.TryParseLevel(cliLevel, out _))
        {
            Console.Error.WriteLine($"minivmm: --log-level: '{cliLevel}' is not one of verbose, debug, information, warning, error, fatal");
            return ExitCodes.BadConfiguration;
        }
        var overrides = Overrides(parse, out string? badSet);
        if (badSet != null)
        {
            Console.Error.WriteLine($"minivmm: --set: '{badSet}' is not KEY=VALUE");
            return ExitCodes.BadConfiguration;
        }
        if ((_debug.Validate(parse) ?? _snapshots.Validate(parse)) is { } badOption)
        {
            Console.Error.WriteLine($"minivmm: {badOption}");
            return ExitCodes.BadConfiguration;
        }

        using var logger = (Serilog.Core.Logger)Logging.Create(parse.GetValue(_logFile)?.FullName);
        StartupTrace.Mark("logger created");
        return MachineSession.Use(machineFile, parse.GetValue(_plugins), overrides, logger, (config, catalog) =>
        {
            if (Logging.TryParseLevel(cliLevel ?? config.LogLevel, out var level))
                Logging.Level.MinimumLevel = level;
            using var accelerator = AcceleratorSelector.Select(config.Accelerator, logger);
            StartupTrace.Mark($"accelerator {accelerator.Name} opened");
            using var vmm = Vmm.Create(config, catalog, accelerator, logger);
            StartupTrace.Mark("machine built (devices, image, VM)");
            if (_snapshots.Restore(parse, vmm, logger) is { } badRestore)
            {
                Console.Error.WriteLine($"minivmm: {badRestore.Message}");
                return badRestore.ExitCode;
            }
            using var monitor = _snapshots.Attach(vmm, logger, out var snapshotProblem);
            if (snapshotProblem is { } refused)
            {
                Console.Error.WriteLine($"minivmm: {refused.Message}");
                return refused.ExitCode;
            }
            using var watcher = _snapshots.Watch(parse, vmm, logger);
            using var debug = _debug.Attach(parse, vmm, logger, out var debugProblem);
            if (debugProblem is { } problem)
            {
                Console.Error.WriteLine($"minivmm: {problem.Message}");
                return problem.ExitCode;
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Stop(ctx, vmm, ExitCodes.Interrupted, "SIGINT"));
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Stop(ctx, vmm, ExitCodes.Terminated, "SIGTERM"));
            // Ctrl-A X on a raw terminal, as QEMU users expect: a clean stop.
            Action quit = () => vmm.Control.RequestStop(ExitCodes.Success, "Ctrl-A X typed on the console");
            StdioBackend.Shared.QuitRequested += quit;

            logger.Information("Booting {Machine} on {Accelerator}: {Memory} KiB RAM, {Devices} devices",
                config.Name, accelerator.Name, config.Memory.Sum(m => (decimal)m.Size) / 1024, config.Devices.Count);
            VmmResult result;
            try
            {
                result = vmm.Run();
                StartupTrace.Mark("guest ran to its stop");
            }
            finally
            {
                StdioBackend.Shared.QuitRequested -= quit;
                StdioBackend.RestoreTerminal(); // before any message, so it prints on a sane terminal
            }
            debug.MachineStopped(result.ExitCode);

            if (result.ExitCode == ExitCodes.Success)
                logger.Information("Stopped: {Reason}", result.Reason);
            else
                Console.Error.WriteLine($"minivmm: {result.Reason} (exit code {result.ExitCode})");
            StartupTrace.Log(logger);
            if (parse.GetValue(_stats))
                ExitReport.Print(Console.Error, result, vmm.Devices);
            return result.ExitCode;
        });
    }

    /// <summary>How long a signalled stop waits for guest output to drain before dropping it.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(1);

    private static void Stop(PosixSignalContext context, Vmm vmm, int exitCode, string signal)
    {
        context.Cancel = true; // we stop the VM ourselves, cleanly
        vmm.Control.RequestStop(exitCode, $"stopped by {signal}");
        // A reader that stopped reading (stdout, a socket client) must not hold the stop up: a vCPU
        // blocked writing to it, or the final flush, is released after the grace and the rest dropped.
        _ = Task.Delay(OutputGrace).ContinueWith(_ => HostOutputs.AbandonAll(), TaskScheduler.Default);
    }

    private List<KeyValuePair<string, string?>> Overrides(ParseResult parse, out string? badSet)
    {
        badSet = null;
        var overrides = new List<KeyValuePair<string, string?>>();
        if (parse.GetValue(_accel) is { } accel)
            overrides.Add(new("accelerator", accel.ToString().ToLowerInvariant()));
        if (parse.GetValue(_maxInstructions) is { } max)
            overrides.Add(new("limits:instructions", max.ToString()));
        if (parse.GetValue(_timeout) is { } timeout)
            overrides.Add(new("limits:time", timeout));
        badSet = CommonOptions.AddSetOverrides(parse.GetValue(_set), overrides);
        return overrides;
    }
}
