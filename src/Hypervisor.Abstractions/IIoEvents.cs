namespace Hypervisor.Abstractions;

/// <summary>
/// Doorbells the accelerator catches without stopping a vCPU (KVM's ioeventfd): a guest write to a
/// watched MMIO address completes in the kernel, and <c>written</c> runs on a host thread. Where
/// the accelerator cannot (the software CPU, a KVM without KVM_CAP_IOEVENTFD) nothing is watched
/// and the write keeps arriving at the device as an ordinary MMIO write, so a device must handle
/// both paths the same way. The machine's instance is <see cref="DeviceContext.IoEvents"/>.
/// <code>
/// _doorbell = context.IoEvents?.Watch(notifyAddress, length: 2, match: null, () => core.Notify(queue));
/// </code>
/// </summary>
public interface IIoEvents
{
    /// <summary>
    /// Watches guest writes of <paramref name="length"/> bytes at <paramref name="address"/> (only
    /// those of value <paramref name="match"/> when it is given). Dispose the result to stop. Thread-safe.
    /// </summary>
    IDisposable Watch(ulong address, int length, ulong? match, Action written);
}
