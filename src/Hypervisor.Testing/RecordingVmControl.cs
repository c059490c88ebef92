using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>Records what a device asked of the VM. As in the real machine, the first stop request wins.</summary>
public sealed class RecordingVmControl : IVmControl
{
    private readonly object _lock = new();
    private readonly List<(int ExitCode, string Reason)> _stops = [];
    private readonly List<string> _resets = [];

    /// <summary>Every stop request in order.</summary>
    public IReadOnlyList<(int ExitCode, string Reason)> StopRequests
    {
        get
        {
            lock (_lock)
                return _stops.ToArray();
        }
    }

    /// <summary>Every reset request in order.</summary>
    public IReadOnlyList<string> ResetRequests
    {
        get
        {
            lock (_lock)
                return _resets.ToArray();
        }
    }

    public bool StopRequested => StopRequests.Count > 0;

    /// <summary>The exit code of the first stop request (the one the VM would end with), or null.</summary>
    public int? ExitCode => StopRequests.Count > 0 ? StopRequests[0].ExitCode : null;

    public void RequestStop(int exitCode, string reason)
    {
        lock (_lock)
            _stops.Add((exitCode, reason));
    }

    public void RequestReset(string reason)
    {
        lock (_lock)
            _resets.Add(reason);
    }
}
