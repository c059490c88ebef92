using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// Stops every vCPU of a machine between two guest instructions, runs an action while they are
/// parked (a snapshot, a device swap), then lets them go: the stop the gdb stub makes, for the
/// whole machine. A vCPU parks in its exit loop, outside <see cref="IVcpu.Run"/>, when it leaves Run
/// for the request (<see cref="IVcpu.RequestExit"/>) or while it sleeps in HLT (on the host clock it
/// notices within its one-second wait), so no bus access is half done and an IN has its data. The
/// action runs on the requesting thread.
/// </summary>
public sealed class VcpuPause
{
    private readonly object _lock = new();
    private readonly List<IVcpu> _vcpus = [];
    private int _running;
    private int _parked;
    private int _generation;
    private volatile bool _requested;

    /// <summary>How long an action waits for the vCPUs to park.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>True while an action waits for the vCPUs or runs: an exit loop parks at its next chance.</summary>
    public bool Requested => _requested;

    /// <summary>Adds a vCPU to kick out of Run when an action is requested.</summary>
    public void Add(IVcpu vcpu)
    {
        lock (_lock)
            _vcpus.Add(vcpu);
    }

    /// <summary>An exit loop starts (its thread counts among those that must park).</summary>
    public void LoopStarted()
    {
        lock (_lock)
            _running++;
    }

    /// <summary>An exit loop ended: an action waiting for it no longer does.</summary>
    public void LoopEnded()
    {
        lock (_lock)
        {
            _running--;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Called by an exit loop when <see cref="Requested"/>: waits, parked, until the action is done.</summary>
    public void Park()
    {
        lock (_lock)
        {
            if (!_requested)
                return;
            int generation = _generation;
            _parked++;
            Monitor.PulseAll(_lock);
            while (_requested && generation == _generation)
                Monitor.Wait(_lock);
            _parked--;
        }
    }

    /// <summary>
    /// Parks every running vCPU, runs <paramref name="action"/>, resumes them. Throws
    /// <see cref="TimeoutException"/> when they do not all park within <paramref name="timeout"/> (a vCPU
    /// held by gdb). <paramref name="fromVcpu"/>: the caller is itself a vCPU's exit loop, parked by calling.
    /// </summary>
    public T Run<T>(Func<T> action, TimeSpan timeout, bool fromVcpu = false)
    {
        lock (_lock)
        {
            while (_requested)
            {
                // One action at a time; a vCPU's own request waits parked, so the other action can run.
                if (fromVcpu)
                    _parked++;
                Monitor.PulseAll(_lock);
                Monitor.Wait(_lock);
                if (fromVcpu)
                    _parked--;
            }
            _requested = true;
            if (fromVcpu)
                _parked++;
        }
        try
        {
            Kick();
            var deadline = DateTime.UtcNow + timeout;
            lock (_lock)
            {
                while (_parked < _running)
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left))
                    {
                        if (_parked < _running)
                            throw new TimeoutException($"{_running - _parked} vCPU(s) did not stop within {timeout.TotalSeconds:0.#} s (held by a debugger?)");
                    }
                }
            }
            return action();
        }
        finally
        {
            lock (_lock)
            {
                if (fromVcpu)
                    _parked--;
                _requested = false;
                _generation++;
                Monitor.PulseAll(_lock);
            }
        }
    }

    private void Kick()
    {
        lock (_lock)
        {
            foreach (var vcpu in _vcpus)
                vcpu.RequestExit();
        }
    }
}
