namespace Hypervisor.Core.Backends;

/// <summary>
/// Writes to a host stream (standard output) on its own thread, through a bounded buffer. A full
/// buffer pushes back on the writer (a guest printing faster than the reader reads waits), but a
/// reader that stalls for good cannot hold the VM hostage: after <see cref="Abandon"/> no caller
/// waits on the stream any more, so a stop request (SIGTERM) ends the process even while a write
/// to a pipe nobody reads is stuck in the kernel.
/// </summary>
internal sealed class OutputPump
{
    /// <summary>Bytes held before a writer waits: a screenful many times over, small enough to push back.</summary>
    public const int Limit = 64 * 1024;

    /// <summary>
    /// How long the pump lets output gather once woken: a UART writes a byte per guest OUT, and one
    /// write(2) per millisecond costs far less than a thread hand-off per byte. Unnoticeable to a reader.
    /// </summary>
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(1);

    private readonly Stream _stream;
    private readonly string _name;
    private readonly object _lock = new();
    private readonly byte[] _pending = new byte[Limit];
    private int _count;
    private bool _writing;
    private bool _pumpIdle;
    private bool _abandoned;
    private Thread? _thread;

    public OutputPump(Stream stream, string name)
    {
        _stream = stream;
        _name = name;
    }

    /// <summary>Queues <paramref name="data"/>, waiting while the buffer is full (unless abandoned).</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            while (data.Length > 0)
            {
                while (_count == Limit && !_abandoned)
                    Monitor.Wait(_lock);
                if (_abandoned)
                    return;
                int n = Math.Min(Limit - _count, data.Length);
                data[..n].CopyTo(_pending.AsSpan(_count));
                _count += n;
                data = data[n..];
                StartThread();
                if (_pumpIdle)
                    Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Waits until everything queued has reached the stream, or the pump is abandoned.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            while ((_count > 0 || _writing) && !_abandoned)
                Monitor.Wait(_lock);
        }
    }

    /// <summary>Drops queued output and releases every waiting writer; later writes are dropped too.</summary>
    public void Abandon()
    {
        lock (_lock)
        {
            _abandoned = true;
            _count = 0;
            Monitor.PulseAll(_lock);
        }
    }

    private void StartThread()
    {
        if (_thread is not null)
            return;
        // A background thread: one stuck in write(2) on a stalled pipe does not keep the process alive.
        _thread = new Thread(Pump) { IsBackground = true, Name = _name };
        _thread.Start();
    }

    private void Pump()
    {
        var chunk = new byte[Limit];
        for (;;)
        {
            int n;
            lock (_lock)
            {
                while (_count == 0)
                {
                    _pumpIdle = true;
                    Monitor.Wait(_lock);
                }
                _pumpIdle = false;
            }
            Thread.Sleep(GatherTime);
            lock (_lock)
            {
                n = _count;
                _pending.AsSpan(0, n).CopyTo(chunk);
                _count = 0;
                _writing = true;
                Monitor.PulseAll(_lock);
            }
            try
            {
                _stream.Write(chunk, 0, n);
                _stream.Flush();
            }
            catch (IOException)
            {
                // The reader went away (EPIPE): the guest carries on, its output has nowhere to go.
            }
            lock (_lock)
            {
                _writing = false;
                Monitor.PulseAll(_lock);
            }
        }
    }
}
