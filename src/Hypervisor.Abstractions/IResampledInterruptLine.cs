namespace Hypervisor.Abstractions;

/// <summary>
/// An interrupt line a device may hand its level to, as a condition the machine can ask at any time
/// (virtio: "an interrupt status bit is set"). Then an accelerator can raise the line without the VMM
/// calling into its interrupt controller for every change: KVM's irqfd in resample mode asserts the
/// line on an eventfd write and, after the guest's end of interrupt, lowers it and asks the condition
/// whether to raise it again (what a level-triggered PCI INTx needs). Where the machine cannot (the
/// software CPU, a userspace interrupt controller, a KVM without KVM_CAP_IRQFD_RESAMPLE) nothing
/// changes: <see cref="IInterruptLine.Set"/> keeps driving the line. A device must therefore keep
/// calling Set as before; with resampling, Set(true) raises the line and Set(false) waits for the EOI.
/// <code>
/// if (context.Irq is IResampledInterruptLine resampled)
///     resampled.UseLevelSource(() => InterruptStatus != 0);
/// </code>
/// </summary>
public interface IResampledInterruptLine : IInterruptLine
{
    /// <summary>
    /// Offers <paramref name="level"/> (thread-safe, cheap: called on a host thread after each EOI of
    /// the line) as the line's level. Call once, while the device is built.
    /// </summary>
    void UseLevelSource(Func<bool> level);
}
