namespace Hypervisor.Core.Bus;

/// <summary>Two devices claim overlapping ports or MMIO ranges; the message names both.</summary>
public sealed class BusConflictException(string message) : Exception(message);
