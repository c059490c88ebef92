using Hypervisor.Abstractions.Pci;
using Hypervisor.Abstractions.Virtio;
using C = Hypervisor.Abstractions.Virtio.VirtioPciCommonConfig;

namespace Hypervisor.Testing.Virtio;

/// <summary>
/// A driver's view of a virtio-pci function: it walks the capability list as Linux does to find
/// the common, ISR, device and notify regions, maps BAR 0 at the address given and enables it.
/// </summary>
public sealed class VirtioPciDriverTransport : IVirtioDriverTransport
{
    private readonly HarnessBuses _buses;
    private readonly Dictionary<byte, ulong> _regions = [];
    private readonly uint _notifyMultiplier;

    public VirtioPciDriverTransport(HarnessBuses buses, IPciFunction function, ulong barAddress)
    {
        _buses = buses;
        function.WriteConfig(PciConfigRegister.Bar0, 4, (uint)barAddress);
        function.WriteConfig(PciConfigRegister.Command, 2, PciCommand.MemorySpace | PciCommand.BusMaster);
        for (int at = (int)function.ReadConfig(PciConfigRegister.CapabilitiesPointer, 1); at != 0; at = (int)function.ReadConfig(at + 1, 1))
        {
            if (function.ReadConfig(at, 1) != VirtioPciLayout.VendorCapability)
                continue;
            byte type = (byte)function.ReadConfig(at + 3, 1);
            _regions[type] = barAddress + function.ReadConfig(at + 8, 4);
            if (type == VirtioPciLayout.NotifyConfigType)
                _notifyMultiplier = function.ReadConfig(at + 16, 4);
        }
    }

    private ulong Common => _regions[VirtioPciLayout.CommonConfigType];

    private ulong ReadCommon(int offset, int size) => _buses.ReadMmio(Common + (ulong)offset, size);

    private void WriteCommon(int offset, int size, ulong value) => _buses.WriteMmio(Common + (ulong)offset, size, value);

    public ulong DeviceFeatures
    {
        get
        {
            WriteCommon(C.DeviceFeatureSelect, 4, 1);
            ulong high = ReadCommon(C.DeviceFeature, 4);
            WriteCommon(C.DeviceFeatureSelect, 4, 0);
            return high << 32 | ReadCommon(C.DeviceFeature, 4);
        }
    }

    public void SetDriverFeatures(ulong features)
    {
        WriteCommon(C.DriverFeatureSelect, 4, 0);
        WriteCommon(C.DriverFeature, 4, (uint)features);
        WriteCommon(C.DriverFeatureSelect, 4, 1);
        WriteCommon(C.DriverFeature, 4, features >> 32);
    }

    public byte Status { get => (byte)ReadCommon(C.DeviceStatus, 1); set => WriteCommon(C.DeviceStatus, 1, value); }

    public ushort QueueMaxSize(int queue)
    {
        WriteCommon(C.QueueSelect, 2, (ushort)queue);
        return (ushort)ReadCommon(C.QueueSize, 2);
    }

    public void SetUpQueue(int queue, ushort size, ulong descriptors, ulong driverArea, ulong deviceArea)
    {
        WriteCommon(C.QueueSelect, 2, (ushort)queue);
        WriteCommon(C.QueueSize, 2, size);
        // Two dwords each, as Linux's vp_iowrite64_twopart writes them.
        foreach (var (field, value) in new[] { (C.QueueDesc, descriptors), (C.QueueDriver, driverArea), (C.QueueDevice, deviceArea) })
        {
            WriteCommon(field, 4, (uint)value);
            WriteCommon(field + 4, 4, value >> 32);
        }
        WriteCommon(C.QueueEnable, 2, 1);
    }

    public void Notify(int queue)
    {
        WriteCommon(C.QueueSelect, 2, (ushort)queue);
        ulong offset = ReadCommon(C.QueueNotifyOff, 2) * _notifyMultiplier;
        _buses.WriteMmio(_regions[VirtioPciLayout.NotifyConfigType] + offset, 2, (ushort)queue);
    }

    /// <summary>Writes config_msix_vector and returns what it reads back (NO_VECTOR when the device refused it).</summary>
    public ushort SetConfigVector(ushort vector)
    {
        WriteCommon(C.ConfigMsixVector, 2, vector);
        return (ushort)ReadCommon(C.ConfigMsixVector, 2);
    }

    /// <summary>Writes queue_msix_vector of <paramref name="queue"/> and returns what it reads back.</summary>
    public ushort SetQueueVector(int queue, ushort vector)
    {
        WriteCommon(C.QueueSelect, 2, (ushort)queue);
        WriteCommon(C.QueueMsixVector, 2, vector);
        return (ushort)ReadCommon(C.QueueMsixVector, 2);
    }

    public uint TakeInterruptStatus() => (uint)_buses.ReadMmio(_regions[VirtioPciLayout.IsrConfigType], 1);

    public ulong ReadConfig(int offset, int size) => _buses.ReadMmio(_regions[VirtioPciLayout.DeviceConfigType] + (ulong)offset, size);
}
