using Serilog;

namespace MiniVmm.Devices.VirtioBlk;

/// <summary>
/// The device's I/O thread: the vCPU's queue notification posts each request here and returns at
/// once; the thread does the file I/O in ring order and completes the request, which raises the
/// interrupt from this thread (the SDK allows completion from any thread).
/// </summary>
public sealed class BlkIoThread : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<Action> _work = new();
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private bool _busy;
    private bool _stopping;

    public BlkIoThread(string name, ILogger logger)
    {
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/> behind what is already queued.</summary>
    public void Post(Action work)
    {
        lock (_lock)
        {
            _work.Enqueue(work);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Returns when nothing is queued or running (a snapshot, a reset, a test).</summary>
    public void WaitIdle()
    {
        lock (_lock)
        {
            while (_work.Count > 0 || _busy)
                Monitor.Wait(_lock);
        }
    }

    /// <summary>Forgets what has not started (a driver reset: those requests are gone) and waits for the running one.</summary>
    public void DropPending()
    {
        lock (_lock)
        {
            _work.Clear();
            while (_busy)
                Monitor.Wait(_lock);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }
        _thread.Join();
    }

    private void Run()
    {
        for (;;)
        {
            Action work;
            lock (_lock)
            {
                while (_work.Count == 0 && !_stopping)
                    Monitor.Wait(_lock);
                if (_work.Count == 0)
                    return;
                work = _work.Dequeue();
                _busy = true;
            }
            try
            {
                work();
            }
            catch (Exception e)
            {
                // A device bug must not take the process down from a background thread.
                _logger.Error(e, "virtio-blk I/O thread: a request failed");
            }
            finally
            {
                lock (_lock)
                {
                    _busy = false;
                    Monitor.PulseAll(_lock);
                }
            }
        }
    }
}
