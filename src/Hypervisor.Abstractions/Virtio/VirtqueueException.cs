namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// The guest broke a virtqueue: a descriptor or ring outside RAM, a loop, a chain longer than the
/// queue, a malformed indirect table. The transport catches it, marks the device
/// <see cref="VirtioStatus.NeedsReset"/> and raises a configuration interrupt; it never leaves the device.
/// </summary>
public sealed class VirtqueueException(string message) : Exception(message);
