namespace Hypervisor.Core.Accel;

/// <summary>
/// Lines of an accelerator's in-kernel interrupt controller raised through a trigger the kernel
/// resamples (KVM_IRQFD with KVM_IRQFD_FLAG_RESAMPLE): a raise asserts the line without an ioctl,
/// and at each end of interrupt the kernel lowers it and the accelerator asks the device's level
/// whether to raise it again. <see cref="IVirtualMachine.ResampledIrqLines"/> is null where the
/// accelerator has none.
/// </summary>
public interface IResampledIrqLines
{
    /// <summary>Connects line <paramref name="irq"/>; <paramref name="level"/> is asked after each EOI. Dispose the result to disconnect.</summary>
    IResampledIrq Connect(int irq, Func<bool> level);
}

/// <summary>One connected line of <see cref="IResampledIrqLines"/>.</summary>
public interface IResampledIrq : IDisposable
{
    /// <summary>Asserts the line (thread-safe; nothing happens while it is asserted already).</summary>
    void Raise();

    /// <summary>How many times the line was raised (by <see cref="Raise"/> or a resample), for --stats.</summary>
    long Raises { get; }
}
