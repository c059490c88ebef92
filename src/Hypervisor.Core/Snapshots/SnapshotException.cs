namespace Hypervisor.Core.Snapshots;

/// <summary>A snapshot that cannot be taken (a device or vCPU that cannot save its state) or restored (another machine, another plugin build, a damaged file).</summary>
public sealed class SnapshotException(string message) : Exception(message);
