using Hypervisor.Abstractions;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Hypervisor.Core.Snapshots;

namespace Hypervisor.Core.Monitoring;

/// <summary>A monitor command's answer, whether the session ends with it, and what runs once the answer is sent.</summary>
public sealed record MonitorReply(string Text, bool CloseSession = false, Action? AfterReply = null);

/// <summary>
/// The monitor's commands (QEMU's human monitor in miniature): <c>info status|devices|registers</c>,
/// <c>stop</c>, <c>cont</c>, <c>snapshot FILE</c>, <c>swap NAME [PLUGIN]</c>, <c>quit</c>. Commands that
/// read or change the machine run with every vCPU parked (<see cref="VcpuPause"/>), or directly while
/// <c>stop</c> holds them. Every error is one line starting with "error:"; the machine runs on.
/// </summary>
public sealed class MonitorCommands(Vmm vmm, string baseDirectory)
{
    public const string Help = """
        info status                  running or stopped, instructions retired, guest time
        info devices                 each device: type, plugin and version, state version
        info registers               each vCPU's registers
        stop                         park every vCPU between two instructions
        cont                         let them run again
        snapshot FILE                write the whole VM to FILE (minivmm --restore FILE resumes it)
        swap NAME [PLUGIN]           load a new build of device NAME's plugin (default: its own file) and hand it the state
        quit                         stop the machine (exit code 0)
        """;

    private readonly object _holdLock = new();
    private ManualResetEventSlim? _hold;

    public MonitorReply Execute(string line)
    {
        string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0)
            return new MonitorReply("");
        try
        {
            return words switch
            {
                ["help" or "?"] => new MonitorReply(Help.TrimEnd()),
                ["info"] or ["info", "status"] => new MonitorReply(Status()),
                ["info", "devices"] => new MonitorReply(Paused(DeviceList)),
                ["info", "registers"] => new MonitorReply(Paused(Registers)),
                ["stop"] => new MonitorReply(Stop()),
                ["cont" or "c"] => new MonitorReply(Continue()),
                ["snapshot", var file] => new MonitorReply(Paused(() => Snapshot(file))),
                ["swap", var name] => new MonitorReply(Swap(name, null)),
                ["swap", var name, var plugin] => new MonitorReply(Swap(name, Path.GetFullPath(plugin, baseDirectory))),
                ["quit" or "q"] => Quit(),
                _ => new MonitorReply($"error: unknown command '{line}' (type 'help')"),
            };
        }
        catch (Exception e) when (e is SnapshotException or PluginLoadException or DeviceLoadException or TimeoutException or DeviceConfigurationException)
        {
            return new MonitorReply($"error: {e.Message}");
        }
        catch (Exception e)
        {
            // A device's constructor or state code failed: say what, keep the monitor and the machine.
            return new MonitorReply($"error: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Lets held vCPUs go (the machine is stopping, or the monitor closes).</summary>
    public void Release()
    {
        lock (_holdLock)
        {
            _hold?.Set();
            _hold = null;
        }
    }

    private bool Held
    {
        get
        {
            lock (_holdLock)
                return _hold != null;
        }
    }

    private string Status()
    {
        string state = vmm.Control.IsStopping ? $"stopping ({vmm.Control.Reason})" : Held ? "stopped (cont resumes)" : "running";
        var retired = vmm.Vcpus.Select(l => l.Vcpu.InstructionsRetired is { } n ? $"vcpu{l.Vcpu.Id} {n} instructions" : $"vcpu{l.Vcpu.Id}");
        return $"VM '{vmm.Config.Name}' {state}; {string.Join(", ", retired)}; guest time {vmm.Clock.NowNanoseconds} ns";
    }

    private string DeviceList() => string.Join("\n", vmm.Devices.Devices.Select(d =>
        $"{d.Config.Name,-12} {d.Type.Name,-16} plugin {d.Type.PluginName} {MachineSnapshot.PluginVersion(d.Type.ClrType)}, " +
        (d.Device is IDeviceState s ? $"state version {s.StateVersion}" : "no saved state (cannot be snapshotted or swapped)")));

    private string Registers() => string.Join("\n", vmm.Vcpus.Select(l =>
    {
        var r = l.Vcpu.GetRegisters();
        var s = l.Vcpu.GetSpecialRegisters();
        return $"vcpu{l.Vcpu.Id}{(l.Halted ? " (halted)" : "")}: EAX={r.Rax:x8} EBX={r.Rbx:x8} ECX={r.Rcx:x8} EDX={r.Rdx:x8} ESI={r.Rsi:x8} EDI={r.Rdi:x8} " +
            $"EBP={r.Rbp:x8} ESP={r.Rsp:x8} EIP={r.Rip:x8} EFL={r.Rflags:x8} CS={s.Cs.Selector:x4} SS={s.Ss.Selector:x4} CR0={s.Cr0:x8} CR3={s.Cr3:x8}";
    }));

    private string Snapshot(string file)
    {
        string path = Path.GetFullPath(file, baseDirectory);
        MachineSnapshot.Save(vmm, path);
        return $"snapshot written to {path} ({new FileInfo(path).Length} bytes)";
    }

    private string Swap(string name, string? plugin)
    {
        if (Held)
            throw new SnapshotException("swap while stopped is not supported: 'cont' first (the swap parks the vCPUs itself)");
        return DeviceSwap.Swap(vmm, name, plugin);
    }

    /// <summary>Runs <paramref name="action"/> with the vCPUs parked: held by 'stop' already, or parked for it.</summary>
    private string Paused(Func<string> action) => Held ? action() : vmm.Pause.Run(action, VcpuPause.DefaultTimeout);

    private string Stop()
    {
        if (Held)
            return "already stopped";
        var hold = new ManualResetEventSlim(false);
        var parked = new ManualResetEventSlim(false);
        Exception? failure = null;
        var holder = new Thread(() =>
        {
            try
            {
                vmm.Pause.Run(() => { parked.Set(); hold.Wait(); return true; }, VcpuPause.DefaultTimeout);
            }
            catch (TimeoutException e)
            {
                failure = e;
                parked.Set();
            }
        }) { Name = "monitor-stop", IsBackground = true };
        lock (_holdLock)
            _hold = hold;
        holder.Start();
        parked.Wait();
        if (failure != null)
        {
            Release();
            throw (TimeoutException)failure;
        }
        return "stopped";
    }

    private string Continue()
    {
        if (!Held)
            return "not stopped";
        Release();
        return "running";
    }

    private MonitorReply Quit()
    {
        // Stop first, then let held vCPUs go: they see the stop and run no further instruction.
        return new MonitorReply("bye", CloseSession: true, () =>
        {
            vmm.Control.RequestStop(ExitCodes.Success, "quit from the monitor");
            Release();
        });
    }
}
