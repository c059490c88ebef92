using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// KVM's irqfd in resample mode behind <see cref="IResampledIrqLines"/>, as QEMU drives a
/// level-triggered INTx it does not emulate itself (vfio-pci): per line an eventfd whose write
/// asserts the GSI in the in-kernel irqchip, and a resample eventfd the kernel signals after the
/// guest's EOI has lowered it (KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE); a thread blocked on that one
/// raises the line again while the device's level is still high. So a device's interrupt costs one
/// eventfd write and no KVM_IRQ_LINE; the ISR read that clears virtio's status needs no call at all.
/// Exists only with the in-kernel irqchip, KVM_CAP_IRQFD and KVM_CAP_IRQFD_RESAMPLE.
/// </summary>
public sealed class KvmIrqfdLines : IResampledIrqLines, IDisposable
{
    private readonly FileDescriptorHandle _vm;
    private readonly List<Line> _lines = [];
    private bool _disposed;

    internal KvmIrqfdLines(FileDescriptorHandle vm) => _vm = vm;

    public IResampledIrq Connect(int irq, Func<bool> level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(irq);
        lock (_lines)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var line = new Line(this, (uint)irq, level);
            _lines.Add(line);
            return line;
        }
    }

    /// <summary>Disconnects every line (before the VM descriptor closes).</summary>
    public void Dispose()
    {
        Line[] all;
        lock (_lines)
        {
            _disposed = true;
            all = [.. _lines];
        }
        foreach (var line in all)
            line.Dispose();
    }

    private sealed unsafe class Line : IResampledIrq
    {
        private readonly object _lock = new();
        private readonly KvmIrqfdLines _owner;
        private readonly uint _gsi;
        private readonly Func<bool> _level;
        private readonly int _irqfd;
        private readonly EventfdThread _resample;
        private bool _closed;
        private long _raises;

        public Line(KvmIrqfdLines owner, uint gsi, Func<bool> level)
        {
            _owner = owner;
            _gsi = gsi;
            _level = level;
            _irqfd = EventfdThread.Create($"IRQ {gsi}");
            // The kernel lowered the line at the guest's EOI: raise it again while the device still wants it.
            _resample = new EventfdThread($"irqfd IRQ {gsi}", () =>
            {
                if (_level())
                    Raise();
            });
            var assign = new KvmIrqfd { Fd = (uint)_irqfd, Gsi = gsi, Flags = KvmIrqfdFlag.Resample, Resamplefd = (uint)_resample.Fd };
            try
            {
                CheckedIoctl.Call(owner._vm, KvmIoctl.Irqfd, &assign, $"KVM_IRQFD (resample) for IRQ {gsi}");
            }
            catch
            {
                _resample.Dispose();
                _ = LibC.Close(_irqfd);
                throw;
            }
            _resample.Start();
        }

        public long Raises => Interlocked.Read(ref _raises);

        public void Raise()
        {
            lock (_lock) // never a write to a closed (and perhaps reused) descriptor
            {
                if (_closed)
                    return;
                Interlocked.Increment(ref _raises); // first: the guest may take the interrupt before the write returns
                EventfdThread.Signal(_irqfd);
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_closed)
                    return;
                _closed = true;
            }
            var deassign = new KvmIrqfd { Fd = (uint)_irqfd, Gsi = _gsi, Flags = KvmIrqfdFlag.Deassign };
            _ = LibC.Ioctl(_owner._vm.Fd, KvmIoctl.Irqfd, &deassign);
            _resample.Dispose();
            _ = LibC.Close(_irqfd);
            lock (_owner._lines)
                _owner._lines.Remove(this);
        }
    }
}
