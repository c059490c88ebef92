using Serilog;

namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// The part of a virtio device every transport shares (virtio 1.2, sections 2-3): feature
/// negotiation, the status field, the queues' registers, the interrupt status and its line, and
/// queue notifications, which hand each available chain to the <see cref="IVirtioDevice"/>. A
/// malformed queue marks the device <see cref="VirtioStatus.NeedsReset"/> and raises a
/// configuration interrupt; the device then takes no more requests until the driver resets it.
/// The transports map their registers onto this. Thread-safe.
/// </summary>
public sealed class VirtioCore
{
    private readonly object _lock = new();
    private readonly object[] _draining;
    private readonly IInterruptLine _irq;
    private readonly ILogger _logger;
    private ulong _driverFeatures;
    private uint _isr;

    public VirtioCore(IVirtioDevice device, IGuestMemory memory, IInterruptLine irq, ILogger logger)
    {
        Device = device;
        _irq = irq;
        // The line is high exactly while a status bit is set: what KVM's resampling irqfd asks after each EOI.
        (irq as IResampledInterruptLine)?.UseLevelSource(() => InterruptStatus != 0);
        _logger = logger;
        Queues = device.QueueSizes.Select((size, i) => new Virtqueue(memory, i, size)).ToArray();
        _draining = Queues.Select(_ => new object()).ToArray();
        foreach (var queue in Queues)
        {
            int source = queue.Index;
            queue.Interrupt = () => Signal(VirtioInterrupt.UsedBuffer, source);
            queue.Failed = Break;
        }
    }

    /// <summary>The source <see cref="MessageInterrupt"/> gets for a configuration change (queues are 0 up).</summary>
    public const int ConfigSource = -1;

    /// <summary>
    /// Set by a transport with message-signalled interrupts (virtio-pci's MSI-X): called with the
    /// queue's index, or <see cref="ConfigSource"/>, for each interrupt; true means it sent (or
    /// dropped) a message, so neither the interrupt status nor the line changes; false (MSI-X off)
    /// falls back to the line.
    /// </summary>
    public Func<int, bool>? MessageInterrupt { get; set; }

    public IVirtioDevice Device { get; }

    public IReadOnlyList<Virtqueue> Queues { get; }

    /// <summary>Every feature offered: the device's and the transport's.</summary>
    public ulong OfferedFeatures => Device.Features | VirtioFeatures.Transport;

    /// <summary>What the driver accepted (a subset of <see cref="OfferedFeatures"/>).</summary>
    public ulong DriverFeatures { get { lock (_lock) return _driverFeatures; } }

    /// <summary>The device status field.</summary>
    public byte Status { get; private set; }

    /// <summary>Bumped whenever the configuration space changes under the driver.</summary>
    public uint ConfigGeneration { get; private set; }

    /// <summary>The interrupt status bits (<see cref="VirtioInterrupt"/>) without clearing them.</summary>
    public uint InterruptStatus { get { lock (_lock) return _isr; } }

    /// <summary>Selects which 32 bits of the features <see cref="DeviceFeaturesWord"/> and <see cref="SetDriverFeaturesWord"/> see.</summary>
    public uint DeviceFeaturesSelect { get; set; }

    public uint DriverFeaturesSelect { get; set; }

    /// <summary>The queue the queue registers address.</summary>
    public ushort QueueSelect { get; set; }

    /// <summary>The selected queue, or null when <see cref="QueueSelect"/> is past the last one.</summary>
    public Virtqueue? SelectedQueue => QueueSelect < Queues.Count ? Queues[QueueSelect] : null;

    public uint DeviceFeaturesWord => DeviceFeaturesSelect < 2 ? (uint)(OfferedFeatures >> (32 * (int)DeviceFeaturesSelect)) : 0;

    public uint DriverFeaturesWord { get { lock (_lock) return DriverFeaturesSelect < 2 ? (uint)(_driverFeatures >> (32 * (int)DriverFeaturesSelect)) : 0; } }

    /// <summary>The driver's features, 32 bits at a time; ignored once FEATURES_OK is set, and masked to what is offered.</summary>
    public void SetDriverFeaturesWord(uint value)
    {
        lock (_lock)
        {
            if (DriverFeaturesSelect >= 2 || (Status & VirtioStatus.FeaturesOk) != 0)
                return;
            int shift = 32 * (int)DriverFeaturesSelect;
            _driverFeatures = (_driverFeatures & ~(0xffff_ffffUL << shift)) | ((ulong)value << shift);
            _driverFeatures &= OfferedFeatures;
        }
    }

    /// <summary>
    /// A driver write of the status field: 0 resets; FEATURES_OK sticks only when the features
    /// include VERSION_1 (a modern driver); DRIVER_OK activates the device.
    /// </summary>
    public void SetStatus(byte value)
    {
        if (value == 0)
        {
            Reset();
            return;
        }
        bool activate;
        ulong features;
        lock (_lock)
        {
            if ((value & VirtioStatus.FeaturesOk) != 0 && (_driverFeatures & VirtioFeatures.Version1) == 0)
            {
                _logger.Warning("The driver accepted features 0x{Features:x} without VERSION_1 (a legacy driver); FEATURES_OK refused", _driverFeatures);
                value &= unchecked((byte)~VirtioStatus.FeaturesOk);
            }
            activate = (value & VirtioStatus.DriverOk) != 0 && (Status & VirtioStatus.DriverOk) == 0;
            Status = (byte)((Status & VirtioStatus.NeedsReset) | (value & ~VirtioStatus.NeedsReset));
            features = _driverFeatures;
            foreach (var queue in Queues)
            {
                queue.IndirectDescriptors = (features & VirtioFeatures.IndirectDescriptors) != 0;
                queue.EventIndex = (features & VirtioFeatures.EventIndex) != 0;
            }
        }
        if (activate)
            Device.Activate(features);
    }

    /// <summary>QueueReady / queue_enable: enabling checks the queue's size and rings (a bad one breaks the device).</summary>
    public void SetQueueReady(bool ready)
    {
        if (SelectedQueue is not { } queue)
            return;
        if (!ready)
        {
            queue.Ready = false;
            return;
        }
        try
        {
            queue.Validate();
            queue.Ready = true;
        }
        catch (VirtqueueException bad)
        {
            Break(bad);
        }
    }

    /// <summary>
    /// The driver notified <paramref name="queue"/>: hands every available chain to the device, in
    /// order. Before DRIVER_OK, after NEEDS_RESET or for an unknown queue nothing happens.
    /// </summary>
    public void Notify(int queue)
    {
        if (queue < 0 || queue >= Queues.Count || (Status & (VirtioStatus.DriverOk | VirtioStatus.NeedsReset)) != VirtioStatus.DriverOk)
            return;
        try
        {
            // One vCPU drains a queue at a time, so the device sees its requests in ring order.
            lock (_draining[queue])
            {
                while ((Status & VirtioStatus.NeedsReset) == 0 && Queues[queue].TryTake(out var request))
                    Device.Request(queue, request!);
            }
        }
        catch (VirtqueueException bad)
        {
            Break(bad);
        }
    }

    /// <summary>Clears <paramref name="bits"/> of the interrupt status (virtio-mmio InterruptACK); the line follows.</summary>
    public void Acknowledge(uint bits)
    {
        lock (_lock)
        {
            _isr &= ~bits;
            UpdateLine(pulse: false);
        }
    }

    /// <summary>Reads and clears the interrupt status (virtio-pci's ISR register).</summary>
    public uint TakeInterruptStatus()
    {
        lock (_lock)
        {
            uint bits = _isr;
            _isr = 0;
            UpdateLine(pulse: false);
            return bits;
        }
    }

    /// <summary>Back to power-on: status 0, no features, every queue reset, the line low; then the device's own reset.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Status = 0;
            _driverFeatures = 0;
            DeviceFeaturesSelect = DriverFeaturesSelect = 0;
            QueueSelect = 0;
            _isr = 0;
            foreach (var queue in Queues)
                queue.Reset();
            UpdateLine(pulse: false);
        }
        Device.Reset();
    }

    /// <summary>The layout version of <see cref="SaveState"/> (the device's own state, if any, follows with its own).</summary>
    public const int StateVersion = 1;

    /// <summary>
    /// Writes the transport-independent state: status, features, selectors, interrupt status, every
    /// queue, then the device's own state when it implements <see cref="IDeviceState"/> (its
    /// version first). Requests the device holds are saved by their chain's head.
    /// </summary>
    public void SaveState(IStateWriter writer)
    {
        Device.Quiesce();
        lock (_lock)
        {
            writer.WriteByte(Status);
            writer.WriteUInt64(_driverFeatures);
            writer.WriteUInt32(_isr);
            writer.WriteUInt32(ConfigGeneration);
            writer.WriteUInt32(DeviceFeaturesSelect);
            writer.WriteUInt32(DriverFeaturesSelect);
            writer.WriteUInt16(QueueSelect);
            writer.WriteUInt16((ushort)Queues.Count);
            foreach (var queue in Queues)
                queue.SaveState(writer);
        }
        if (Device is IDeviceState own)
        {
            writer.WriteInt32(own.StateVersion);
            own.SaveState(writer);
        }
    }

    /// <summary>
    /// Takes what <see cref="SaveState"/> wrote (on a device just built, guest RAM restored), drives
    /// the line to the saved level and hands the device the requests it held, in the order it took them.
    /// </summary>
    public void LoadState(IStateReader reader)
    {
        var held = new List<VirtioRequest>();
        lock (_lock)
        {
            Status = reader.ReadByte();
            _driverFeatures = reader.ReadUInt64() & OfferedFeatures;
            _isr = reader.ReadUInt32();
            ConfigGeneration = reader.ReadUInt32();
            DeviceFeaturesSelect = reader.ReadUInt32();
            DriverFeaturesSelect = reader.ReadUInt32();
            QueueSelect = reader.ReadUInt16();
            int count = reader.ReadUInt16();
            if (count != Queues.Count)
                throw new StateFormatException($"virtio device type {Device.DeviceType}: saved with {count} queues, this build has {Queues.Count}");
            foreach (var queue in Queues)
                held.AddRange(queue.LoadState(reader));
            UpdateLine(pulse: false);
        }
        if (Device is IDeviceState own)
            own.LoadState(reader, reader.ReadInt32());
        if ((Status & VirtioStatus.DriverOk) != 0)
            Device.Activate(DriverFeatures);
        foreach (var request in held)
            Device.Request(request.Queue, request);
    }

    /// <summary>Tells the driver the configuration space changed (a device resized, a link went down).</summary>
    public void ConfigChanged()
    {
        lock (_lock)
            ConfigGeneration++;
        Signal(VirtioInterrupt.ConfigChange, ConfigSource);
    }

    private void Break(VirtqueueException bad)
    {
        lock (_lock)
        {
            if ((Status & VirtioStatus.NeedsReset) != 0)
                return;
            Status |= VirtioStatus.NeedsReset;
        }
        _logger.Warning("Virtio device broken by the guest ({Reason}); NEEDS_RESET set", bad.Message);
        Signal(VirtioInterrupt.ConfigChange, ConfigSource);
    }

    private void Signal(uint bits, int source)
    {
        if (MessageInterrupt?.Invoke(source) == true)
            return;
        lock (_lock)
        {
            _isr |= bits;
            UpdateLine(pulse: true);
        }
    }

    // Caller holds _lock. The line is level (high while a bit is set), but each new event also
    // gives an edge, so an edge-triggered 8259 input (the ISA default) never misses one.
    private void UpdateLine(bool pulse)
    {
        if (pulse)
            _irq.Lower();
        _irq.Set(_isr != 0);
    }
}
