namespace Hypervisor.Testing.Virtio;

/// <summary>The register side of a virtio transport as a driver uses it (<see cref="VirtioDriver"/>).</summary>
public interface IVirtioDriverTransport
{
    ulong DeviceFeatures { get; }
    void SetDriverFeatures(ulong features);
    byte Status { get; set; }
    ushort QueueMaxSize(int queue);
    void SetUpQueue(int queue, ushort size, ulong descriptors, ulong driverArea, ulong deviceArea);
    void Notify(int queue);
    /// <summary>Reads the interrupt status and acknowledges it.</summary>
    uint TakeInterruptStatus();
    ulong ReadConfig(int offset, int size);
}
