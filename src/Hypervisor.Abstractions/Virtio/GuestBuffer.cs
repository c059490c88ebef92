namespace Hypervisor.Abstractions.Virtio;

/// <summary>One descriptor's buffer: <paramref name="Length"/> bytes of guest RAM at <paramref name="Address"/> (checked to be RAM).</summary>
public readonly record struct GuestBuffer(ulong Address, uint Length);
