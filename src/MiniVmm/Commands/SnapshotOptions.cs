using System.CommandLine;
using System.Globalization;
using Hypervisor.Core.Monitoring;
using Hypervisor.Core.Runtime;
using Hypervisor.Core.Snapshots;
using Serilog;

namespace MiniVmm.Commands;

/// <summary>
/// The run command's snapshot options: the monitor (<c>--monitor</c>, where a user types
/// <c>snapshot FILE</c> or <c>swap NAME</c>), <c>--restore FILE</c> (resume a snapshot), and
/// <c>--snapshot-at N:FILE</c> (a snapshot once vCPU 0 has retired N instructions: the deterministic
/// trigger scripts and tests use), and <c>--watch-plugins</c> (swap a rebuilt plugin in, as <c>swap NAME</c>).
/// </summary>
internal sealed class SnapshotOptions
{
    private readonly Option<string?> _monitor = new("--monitor") { Description = $"Serve the monitor (snapshot, swap, info, stop, cont, quit) at {MonitorEndpoint.Syntax}" };
    private readonly Option<FileInfo?> _restore = new("--restore") { Description = "Resume the snapshot in this file (the same machine file, the same plugin builds)" };
    private readonly Option<string?> _snapshotAt = new("--snapshot-at") { Description = "Write a snapshot once vCPU 0 has retired N instructions, and run on: N:FILE (software CPU)" };
    private readonly Option<bool> _watchPlugins = new("--watch-plugins") { Description = "Swap a device plugin into the running VM whenever its assembly is rebuilt in its folder (as the monitor's swap)" };

    private MonitorEndpoint? _endpoint;
    private (ulong Instruction, string File)? _at;

    public IEnumerable<Option> All => [_monitor, _restore, _snapshotAt, _watchPlugins];

    /// <summary>Checks the values before anything is built; the problem, or null.</summary>
    public string? Validate(ParseResult parse)
    {
        try
        {
            _endpoint = parse.GetValue(_monitor) is { } spec ? MonitorEndpoint.Parse(spec, Environment.CurrentDirectory) : null;
        }
        catch (FormatException e)
        {
            return $"--monitor: {e.Message}";
        }
        if (parse.GetValue(_snapshotAt) is { } at)
        {
            int colon = at.IndexOf(':');
            if (colon <= 0 || colon == at.Length - 1 || !ulong.TryParse(at[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out ulong n))
                return $"--snapshot-at: '{at}' is not N:FILE (instructions, then the file), e.g. 200000:vm.snap";
            _at = (n, Path.GetFullPath(at[(colon + 1)..]));
        }
        if (parse.GetValue(_restore) is { } restore && !restore.Exists)
            return $"--restore: '{restore.FullName}' does not exist";
        return null;
    }

    /// <summary>Starts watching the plugin folders (--watch-plugins), or null when not asked for.</summary>
    public PluginWatcher? Watch(ParseResult parse, Vmm vmm, ILogger logger)
    {
        if (!parse.GetValue(_watchPlugins))
            return null;
        var watcher = new PluginWatcher(vmm, logger, line => Console.Error.WriteLine($"minivmm: {line}"));
        Console.Error.WriteLine($"minivmm: --watch-plugins: watching {string.Join(", ", watcher.Folders)}");
        return watcher;
    }

    /// <summary>Loads the snapshot (--restore) into the machine just built; the problem (exit code 4 and message) or null.</summary>
    public (int ExitCode, string Message)? Restore(ParseResult parse, Vmm vmm, ILogger logger)
    {
        if (parse.GetValue(_restore) is not { } file)
            return null;
        try
        {
            MachineSnapshot.Restore(vmm, file.FullName);
        }
        catch (SnapshotException e)
        {
            return (ExitCodes.LoadFailure, $"--restore: {e.Message}");
        }
        logger.Information("Restored {File}: guest time {Now} ns", file.FullName, vmm.Clock.NowNanoseconds);
        return null;
    }

    /// <summary>Serves the monitor and arms the trigger; the problem (exit code 2 and message) when the machine cannot take them.</summary>
    public MonitorServer? Attach(Vmm vmm, ILogger logger, out (int ExitCode, string Message)? problem)
    {
        problem = null;
        if (_at is { } at)
        {
            if (MachineSnapshot.Problem(vmm) is { } why)
            {
                problem = (ExitCodes.BadConfiguration, $"--snapshot-at: {why}");
                return null;
            }
            if (vmm.Vcpus[0].Vcpu.InstructionsRetired == null)
            {
                problem = (ExitCodes.BadConfiguration, "--snapshot-at counts instructions, which only the software CPU does (--accel soft); on KVM use the monitor's snapshot");
                return null;
            }
            vmm.Vcpus[0].Trigger = new InstructionTrigger(at.Instruction, () => SnapshotNow(vmm, at.File));
        }
        if (_endpoint == null)
            return null;
        try
        {
            var server = new MonitorServer(_endpoint, new MonitorCommands(vmm, Environment.CurrentDirectory), logger);
            vmm.Control.Stopping += server.Release;
            Console.Error.WriteLine($"minivmm: monitor on {server.Address}");
            return server;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            problem = (ExitCodes.BadConfiguration, $"--monitor: cannot listen on {_endpoint.Address}: {e.Message}");
            return null;
        }
    }

    // On the vCPU's thread, every vCPU parked: a failure stops the run, since the user asked for this file.
    private static void SnapshotNow(Vmm vmm, string file)
    {
        try
        {
            MachineSnapshot.Save(vmm, file);
            Console.Error.WriteLine($"minivmm: snapshot written to {file} at instruction {vmm.Vcpus[0].Vcpu.InstructionsRetired}");
        }
        catch (SnapshotException e)
        {
            vmm.Control.RequestStop(ExitCodes.LoadFailure, $"--snapshot-at: {e.Message}");
        }
    }
}
