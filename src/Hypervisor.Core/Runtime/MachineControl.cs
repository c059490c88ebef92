using Hypervisor.Abstractions;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's stop latch: the first stop request wins and fixes the exit code and reason;
/// every vCPU is then asked to leave its run loop. A reset request (i8042 0xFE, port 0xcf9, a
/// triple fault) under the "restart" policy trips the same latch but marks the stop as a reset,
/// so the VMM resets the machine, re-arms the latch and boots again.
/// </summary>
public sealed class MachineControl(ResetPolicy resetPolicy = ResetPolicy.Exit) : IVmControl
{
    private readonly object _lock = new();
    private readonly ManualResetEventSlim _stopped = new(false);

    /// <summary>Called each time the latch trips (kicks the vCPUs out of Run).</summary>
    public event Action? Stopping;

    public ResetPolicy ResetPolicy => resetPolicy;

    public bool IsStopping => _stopped.IsSet;

    /// <summary>Signalled once a stop is requested.</summary>
    public WaitHandle StopHandle => _stopped.WaitHandle;

    public int ExitCode { get; private set; }

    public string Reason { get; private set; } = "";

    /// <summary>True when the latch tripped for a machine reset rather than the end of the VM.</summary>
    public bool ResetPending { get; private set; }

    /// <summary>Resets performed so far.</summary>
    public int Resets { get; private set; }

    /// <summary>Waits until a stop is requested or <paramref name="timeout"/> passes.</summary>
    public bool WaitForStop(TimeSpan timeout) => _stopped.Wait(timeout);

    public void RequestStop(int exitCode, string reason) => Trip(exitCode, reason, reset: false);

    public void RequestReset(string reason)
    {
        if (resetPolicy == ResetPolicy.Restart)
            Trip(ExitCodes.Success, $"machine reset ({reason})", reset: true);
        else
            Trip(ExitCodes.Success, $"machine reset requested ({reason}); onReset is \"exit\"", reset: false);
    }

    /// <summary>After a reset: clears the latch so the machine can run again.</summary>
    public void Rearm()
    {
        lock (_lock)
        {
            ResetPending = false;
            Resets++;
            Reason = "";
            _stopped.Reset();
        }
    }

    private void Trip(int exitCode, string reason, bool reset)
    {
        lock (_lock)
        {
            if (_stopped.IsSet)
                return;
            ExitCode = exitCode;
            Reason = reason;
            ResetPending = reset;
            _stopped.Set();
        }
        Stopping?.Invoke();
    }
}

/// <summary>What a machine reset does: restart the boot (a PC's behaviour) or end the VM (QEMU's -no-reboot).</summary>
public enum ResetPolicy
{
    Exit,
    Restart,
}
