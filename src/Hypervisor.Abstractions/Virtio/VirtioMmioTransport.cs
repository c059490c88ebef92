namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// The virtio-mmio transport (version 2, modern) for an <see cref="IVirtioDevice"/>: a 4 KiB
/// register window at the entry's <c>"mmio"</c> address and the entry's <c>"irq"</c> line. A device
/// plugin offers it by deriving a [Device] class:
/// <code>
/// [Device("virtio-rng-mmio")]
/// public sealed class VirtioRngMmio(DeviceContext context) : VirtioMmioTransport(context, new VirtioRng(context));
/// </code>
/// A guest without a device tree or ACPI entry finds it through the kernel command line:
/// <see cref="KernelArguments"/> is <c>virtio_mmio.device=4K@0xADDR:IRQ</c>, which the Linux boot
/// loader appends (a kernel built with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, as Firecracker's are).
/// Registers take 32-bit accesses (the configuration space any size); others read 0 and are dropped.
/// </summary>
public class VirtioMmioTransport : IMmioDevice, IKernelCommandLine, IDeviceState
{
    private readonly ulong? _base;
    private readonly int _irq;
    private readonly List<IDisposable> _doorbells = [];

    public VirtioMmioTransport(DeviceContext context, IVirtioDevice device)
    {
        Core = new VirtioCore(device, context.Memory, context.Irq, context.Logger);
        _base = context.MmioBase;
        _irq = context.Irq.Number;
        // QueueNotify carries the queue's index (Linux writes 32 bits): one doorbell per queue, matched on it.
        if (context.IoEvents != null && _base is { } at)
        {
            for (int q = 0; q < Core.Queues.Count; q++)
            {
                int queue = q;
                _doorbells.Add(context.IoEvents.Watch(at + VirtioMmioRegister.QueueNotify, 4, (ulong)queue, () => Core.Notify(queue)));
            }
        }
    }

    /// <summary>The transport-independent state (features, status, queues).</summary>
    public VirtioCore Core { get; }

    public ulong MmioSize => VirtioMmioRegister.WindowSize;

    /// <summary>
    /// <c>virtio_mmio.device=4K@0xBASE:IRQ</c>, or empty when the device has no address or line
    /// (a kernel could not use it).
    /// </summary>
    public string KernelArguments => _base is { } at && _irq >= 0 ? $"virtio_mmio.device=4K@0x{at:x}:{_irq}" : "";

    public ulong Read(ulong offset, int size)
    {
        if (offset >= VirtioMmioRegister.Config)
            return ReadConfig(offset - VirtioMmioRegister.Config, size);
        if (size != 4)
            return 0;
        var queue = Core.SelectedQueue;
        return offset switch
        {
            VirtioMmioRegister.MagicValue => VirtioMmioRegister.Magic,
            VirtioMmioRegister.Version => VirtioMmioRegister.ModernVersion,
            VirtioMmioRegister.DeviceId => Core.Device.DeviceType,
            VirtioMmioRegister.VendorId => VirtioMmioRegister.Vendor,
            VirtioMmioRegister.DeviceFeatures => Core.DeviceFeaturesWord,
            VirtioMmioRegister.QueueNumMax => queue?.MaxSize ?? 0u,
            VirtioMmioRegister.QueueReady => queue?.Ready == true ? 1u : 0u,
            VirtioMmioRegister.InterruptStatus => Core.InterruptStatus,
            VirtioMmioRegister.Status => Core.Status,
            VirtioMmioRegister.ConfigGeneration => Core.ConfigGeneration,
            _ => 0,
        };
    }

    public void Write(ulong offset, int size, ulong value)
    {
        if (offset >= VirtioMmioRegister.Config)
        {
            WriteConfig(offset - VirtioMmioRegister.Config, size, value);
            return;
        }
        if (size != 4)
            return;
        uint v = (uint)value;
        var queue = Core.SelectedQueue;
        bool queueWritable = queue != null && !queue.Ready;
        switch (offset)
        {
            case VirtioMmioRegister.DeviceFeaturesSel: Core.DeviceFeaturesSelect = v; break;
            case VirtioMmioRegister.DriverFeatures: Core.SetDriverFeaturesWord(v); break;
            case VirtioMmioRegister.DriverFeaturesSel: Core.DriverFeaturesSelect = v; break;
            case VirtioMmioRegister.QueueSel: Core.QueueSelect = (ushort)Math.Min(v, ushort.MaxValue); break;
            case VirtioMmioRegister.QueueNum when queueWritable: queue!.Size = (ushort)Math.Min(v, ushort.MaxValue); break;
            case VirtioMmioRegister.QueueReady: Core.SetQueueReady(v != 0); break;
            case VirtioMmioRegister.QueueNotify: Core.Notify((int)(v & 0xffff)); break;
            case VirtioMmioRegister.InterruptAck: Core.Acknowledge(v); break;
            case VirtioMmioRegister.Status: Core.SetStatus((byte)v); break;
            case VirtioMmioRegister.QueueDescLow when queueWritable: queue!.DescriptorTable = Low(queue.DescriptorTable, v); break;
            case VirtioMmioRegister.QueueDescHigh when queueWritable: queue!.DescriptorTable = High(queue.DescriptorTable, v); break;
            case VirtioMmioRegister.QueueDriverLow when queueWritable: queue!.DriverArea = Low(queue.DriverArea, v); break;
            case VirtioMmioRegister.QueueDriverHigh when queueWritable: queue!.DriverArea = High(queue.DriverArea, v); break;
            case VirtioMmioRegister.QueueDeviceLow when queueWritable: queue!.DeviceArea = Low(queue.DeviceArea, v); break;
            case VirtioMmioRegister.QueueDeviceHigh when queueWritable: queue!.DeviceArea = High(queue.DeviceArea, v); break;
        }
    }

    /// <summary>Machine reset: as if the driver wrote 0 to Status.</summary>
    public virtual void Reset() => Core.Reset();

    /// <summary>The virtio state (<see cref="VirtioCore.SaveState"/>) is all the transport has.</summary>
    public int StateVersion => VirtioCore.StateVersion;

    public void SaveState(IStateWriter writer) => Core.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion(GetType().Name, version, StateVersion);
        Core.LoadState(reader);
    }

    public virtual void Dispose()
    {
        foreach (var doorbell in _doorbells)
            doorbell.Dispose();
        (Core.Device as IDisposable)?.Dispose();
    }

    private ulong ReadConfig(ulong offset, int size)
    {
        if (offset + (ulong)size > (ulong)Core.Device.ConfigSize)
            return 0;
        Span<byte> data = stackalloc byte[8];
        Core.Device.ReadConfig((int)offset, data[..size]);
        return BitConverter.ToUInt64(data);
    }

    private void WriteConfig(ulong offset, int size, ulong value)
    {
        if (offset + (ulong)size > (ulong)Core.Device.ConfigSize)
            return;
        Core.Device.WriteConfig((int)offset, BitConverter.GetBytes(value).AsSpan(0, size));
    }

    private static ulong Low(ulong current, uint value) => (current & 0xffff_ffff_0000_0000) | value;

    private static ulong High(ulong current, uint value) => (current & 0xffff_ffff) | ((ulong)value << 32);
}
