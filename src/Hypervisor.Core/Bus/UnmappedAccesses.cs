namespace Hypervisor.Core.Bus;

/// <summary>Accesses a region received before it was unmapped, and the range it had last (e.g. <c>mmio 0xfd000000-0xfd0fffff</c>).</summary>
public readonly record struct UnmappedAccesses(long Accesses, string LastRange);
