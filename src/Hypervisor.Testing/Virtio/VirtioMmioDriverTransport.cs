using Hypervisor.Abstractions.Virtio;
using R = Hypervisor.Abstractions.Virtio.VirtioMmioRegister;

namespace Hypervisor.Testing.Virtio;

/// <summary>A driver's view of a virtio-mmio window at <paramref name="windowBase"/> on the harness's buses.</summary>
public sealed class VirtioMmioDriverTransport(HarnessBuses buses, ulong windowBase) : IVirtioDriverTransport
{
    public uint Read(ulong register) => (uint)buses.ReadMmio(windowBase + register, 4);

    public void Write(ulong register, uint value) => buses.WriteMmio(windowBase + register, 4, value);

    public ulong DeviceFeatures
    {
        get
        {
            Write(R.DeviceFeaturesSel, 1);
            ulong high = Read(R.DeviceFeatures);
            Write(R.DeviceFeaturesSel, 0);
            return high << 32 | Read(R.DeviceFeatures);
        }
    }

    public void SetDriverFeatures(ulong features)
    {
        Write(R.DriverFeaturesSel, 0);
        Write(R.DriverFeatures, (uint)features);
        Write(R.DriverFeaturesSel, 1);
        Write(R.DriverFeatures, (uint)(features >> 32));
    }

    public byte Status { get => (byte)Read(R.Status); set => Write(R.Status, value); }

    public ushort QueueMaxSize(int queue)
    {
        Write(R.QueueSel, (uint)queue);
        return (ushort)Read(R.QueueNumMax);
    }

    public void SetUpQueue(int queue, ushort size, ulong descriptors, ulong driverArea, ulong deviceArea)
    {
        Write(R.QueueSel, (uint)queue);
        Write(R.QueueNum, size);
        Write(R.QueueDescLow, (uint)descriptors);
        Write(R.QueueDescHigh, (uint)(descriptors >> 32));
        Write(R.QueueDriverLow, (uint)driverArea);
        Write(R.QueueDriverHigh, (uint)(driverArea >> 32));
        Write(R.QueueDeviceLow, (uint)deviceArea);
        Write(R.QueueDeviceHigh, (uint)(deviceArea >> 32));
        Write(R.QueueReady, 1);
    }

    public void Notify(int queue) => Write(R.QueueNotify, (uint)queue);

    public uint TakeInterruptStatus()
    {
        uint bits = Read(R.InterruptStatus);
        Write(R.InterruptAck, bits);
        return bits;
    }

    public ulong ReadConfig(int offset, int size) => buses.ReadMmio(windowBase + R.Config + (ulong)offset, size);
}
