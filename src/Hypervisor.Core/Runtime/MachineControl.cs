using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's stop latch: the first stop request wins and fixes the exit code and reason;
/// every vCPU is then asked to leave its run loop.
/// </summary>
public sealed class MachineControl : IVmControl
{
    private readonly object _lock = new();
    private readonly ManualResetEventSlim _stopped = new(false);

    /// <summary>Called once when the stop is first requested (kicks the vCPUs out of Run).</summary>
    public event Action? Stopping;

    public bool IsStopping => _stopped.IsSet;

    /// <summary>Signalled once a stop is requested.</summary>
    public WaitHandle StopHandle => _stopped.WaitHandle;

    public int ExitCode { get; private set; }

    public string Reason { get; private set; } = "";

    /// <summary>Waits until a stop is requested or <paramref name="timeout"/> passes.</summary>
    public bool WaitForStop(TimeSpan timeout) => _stopped.Wait(timeout);

    public void RequestStop(int exitCode, string reason)
    {
        lock (_lock)
        {
            if (_stopped.IsSet)
                return;
            ExitCode = exitCode;
            Reason = reason;
            _stopped.Set();
        }
        Stopping?.Invoke();
    }

    // Reset is not implemented yet: a reset request ends the VM, as QEMU's -no-reboot does.
    public void RequestReset(string reason) => RequestStop(ExitCodes.Success, $"reset requested ({reason}); resets end the VM");
}
