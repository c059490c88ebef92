using System.Runtime.InteropServices;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// An eventfd and a thread blocked reading it, which runs an action each time it is signalled (by
/// the kernel, or by a write to <see cref="Fd"/>): how KVM's ioeventfd doorbells and irqfd's
/// resample notifications are received. Each read returns and zeroes the count of signals since the
/// last, so one action serves them all. <see cref="Start"/> once the descriptor is assigned to KVM;
/// <see cref="Dispose"/> stops the thread and closes the descriptor.
/// </summary>
internal sealed unsafe class EventfdThread : IDisposable
{
    private readonly Action _signalled;
    private readonly Thread _thread;
    private volatile bool _stopping;
    private int _disposed;

    public EventfdThread(string name, Action signalled)
    {
        _signalled = signalled;
        Fd = Create(name);
        _thread = new Thread(Wait) { IsBackground = true, Name = name };
    }

    public int Fd { get; }

    public void Start() => _thread.Start();

    /// <summary>A new eventfd (close-on-exec); <paramref name="what"/> names it in the error.</summary>
    public static int Create(string what)
    {
        int fd = LibC.Eventfd(0, EventfdFlags.CloseOnExec);
        if (fd < 0)
            throw new KvmException($"eventfd for {what}: {LibC.Describe(Marshal.GetLastPInvokeError())}");
        return fd;
    }

    /// <summary>Writes 1 to an eventfd (what the kernel's signal is).</summary>
    public static void Signal(int fd)
    {
        ulong one = 1;
        _ = LibC.Write(fd, &one, sizeof(ulong));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stopping = true;
        if (_thread.IsAlive)
        {
            Signal(Fd); // wakes the reader, which sees _stopping
            _thread.Join();
        }
        _ = LibC.Close(Fd);
    }

    private void Wait()
    {
        ulong count;
        while (!_stopping)
        {
            if (LibC.Read(Fd, &count, sizeof(ulong)) != sizeof(ulong))
            {
                if (Marshal.GetLastPInvokeError() == Errno.Interrupted)
                    continue;
                return;
            }
            if (!_stopping)
                _signalled();
        }
    }
}
