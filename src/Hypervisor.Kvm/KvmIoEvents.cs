using Hypervisor.Abstractions;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// KVM's ioeventfd behind <see cref="IIoEvents"/>: each watch is an eventfd the kernel signals when
/// the guest writes the address (KVM_IOEVENTFD), and a thread blocked reading it runs the callback,
/// so a virtqueue notification costs the guest no exit to userspace. Exists only when
/// KVM_CHECK_EXTENSION says KVM_CAP_IOEVENTFD.
/// </summary>
public sealed unsafe class KvmIoEvents : IIoEvents, IDisposable
{
    private readonly FileDescriptorHandle _vm;
    private readonly List<EventWatch> _watches = [];
    private bool _disposed;

    internal KvmIoEvents(FileDescriptorHandle vm) => _vm = vm;

    public IDisposable Watch(ulong address, int length, ulong? match, Action written)
    {
        if (length is not (1 or 2 or 4 or 8))
            throw new ArgumentOutOfRangeException(nameof(length), length, "an ioeventfd watches 1, 2, 4 or 8 bytes");
        lock (_watches)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var watch = new EventWatch(this, address, length, match, written);
            _watches.Add(watch);
            return watch;
        }
    }

    /// <summary>Stops every watch (before the VM descriptor closes).</summary>
    public void Dispose()
    {
        EventWatch[] all;
        lock (_watches)
        {
            _disposed = true;
            all = [.. _watches];
        }
        foreach (var watch in all)
            watch.Dispose();
    }

    private sealed class EventWatch : IDisposable
    {
        private readonly KvmIoEvents _owner;
        private readonly KvmIoeventfd _assignment;
        private readonly EventfdThread _event;
        private int _disposed;

        public EventWatch(KvmIoEvents owner, ulong address, int length, ulong? match, Action written)
        {
            _owner = owner;
            _event = new EventfdThread($"ioeventfd 0x{address:x}", written);
            _assignment = new KvmIoeventfd
            {
                Addr = address,
                Len = (uint)length,
                Fd = _event.Fd,
                Datamatch = match ?? 0,
                Flags = match != null ? KvmIoeventfdFlag.Datamatch : 0,
            };
            var assign = _assignment;
            try
            {
                CheckedIoctl.Call(owner._vm, KvmIoctl.Ioeventfd, &assign, $"KVM_IOEVENTFD at 0x{address:x}");
            }
            catch
            {
                _event.Dispose();
                throw;
            }
            _event.Start();
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
                return;
            var deassign = _assignment;
            deassign.Flags |= KvmIoeventfdFlag.Deassign;
            _ = LibC.Ioctl(_owner._vm.Fd, KvmIoctl.Ioeventfd, &deassign);
            _event.Dispose();
            lock (_owner._watches)
                _owner._watches.Remove(this);
        }
    }
}
