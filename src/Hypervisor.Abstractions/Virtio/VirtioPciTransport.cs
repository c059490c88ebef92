using Hypervisor.Abstractions.Pci;

namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// The virtio-pci modern transport (virtio 1.x, non-transitional) for an <see cref="IVirtioDevice"/>:
/// function 1af4:(1040 + type) at the entry's <c>"pciAddress"</c>, with the common, ISR, device and
/// notify capabilities pointing into a 16 KiB memory BAR 0, and INTA# on the entry's <c>"irq"</c>
/// (preset in the Interrupt Line register, since there is no PIRQ routing for a kernel to read).
/// On a machine with an APIC (<see cref="DeviceContext.Apic"/>) it also has MSI-X: a vector per
/// queue and one for configuration changes, the table and pending bits in a 32 KiB BAR 0, messages
/// to the APIC bus; INTx serves while the driver leaves MSI-X off. There is no
/// VIRTIO_PCI_CAP_PCI_CFG window yet.
/// A device plugin offers it by deriving a [Device] class that declares the <c>pciAddress</c> option:
/// <code>
/// [Device("virtio-rng-pci")]
/// [DeviceOption("pciAddress", "the function's address on bus 0, e.g. 00:05.0")]
/// public sealed class VirtioRngPci(DeviceContext context) : VirtioPciTransport(context, new VirtioRng(context), 0x00ff00);
/// </code>
/// </summary>
public class VirtioPciTransport : IDevice, IDeviceState
{
    private readonly PciBus _bus;
    private readonly PciBarRegions _bars;
    private readonly byte _interruptLine;
    private readonly VirtioPciVectors? _vectors;
    private readonly VirtioPciDoorbells? _doorbells;

    /// <param name="context">The device's context (its pciAddress option, irq, memory, logger).</param>
    /// <param name="device">The device behind the transport.</param>
    /// <param name="classCode">The PCI class as 0xCCSSPP (e.g. 0x010000 for a block device, as QEMU's SCSI-class virtio-blk).</param>
    public VirtioPciTransport(DeviceContext context, IVirtioDevice device, uint classCode)
    {
        Core = new VirtioCore(device, context.Memory, context.Irq, context.Logger);
        Config = new PciConfigSpace(VirtioPciLayout.VendorId, (ushort)(VirtioPciLayout.ModernDeviceIdBase + device.DeviceType), classCode,
            VirtioPciLayout.Revision, bars: [new PciBar(PciBarKind.Memory32, context.Apic == null ? VirtioPciLayout.BarSize : VirtioPciLayout.MsixBarSize)],
            interruptPin: 1, subsystemVendorId: VirtioPciLayout.VendorId, subsystemId: VirtioPciLayout.SubsystemId);
        _interruptLine = context.Irq.Number is >= 0 and < 0xff ? (byte)context.Irq.Number : (byte)0xff;
        WriteCapabilities(Config, msix: context.Apic != null);
        if (context.Apic != null)
        {
            // A vector per queue and one for configuration changes, as Linux's virtio_pci asks first.
            var table = new MsixTable(Config, VirtioPciLayout.MsixCapability, next: 0, device.QueueSizes.Count + 1, bar: 0,
                (uint)VirtioPciLayout.MsixTableOffset, (uint)VirtioPciLayout.MsixPendingOffset, context.Apic);
            _vectors = new VirtioPciVectors(table, device.QueueSizes.Count);
            Core.MessageInterrupt = _vectors.Signal;
        }
        SetInterruptLine();
        _bus = context.Pci;
        try
        {
            Address = PciBus.AddAt(context, Config);
        }
        catch
        {
            (device as IDisposable)?.Dispose(); // a bad pciAddress must not leave the device's image or backend open
            throw;
        }
        _bars = new PciBarRegions(Config, context);
        _bars.Attach(0, new VirtioPciBar(Core, _vectors));
        if (context.IoEvents != null)
            _doorbells = new VirtioPciDoorbells(Config, Core, context.IoEvents);
    }

    /// <summary>The transport-independent state (features, status, queues).</summary>
    public VirtioCore Core { get; }

    /// <summary>The function's configuration space, as the pci-host reaches it.</summary>
    public PciConfigSpace Config { get; }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Machine reset: the device and the configuration space back to power-on.</summary>
    public virtual void Reset()
    {
        Core.Reset();
        Config.Reset();
        _vectors?.Reset();
        _vectors?.Table.Reset();
        SetInterruptLine();
    }

    /// <summary>
    /// The configuration space (BARs where the guest put them), the virtio state, then with MSI-X
    /// the vectors, the table and the pending bits. Version 2 (1 had no MSI-X; still read).
    /// </summary>
    public int StateVersion => 2;

    public void SaveState(IStateWriter writer)
    {
        Config.SaveState(writer);
        Core.SaveState(writer);
        writer.WriteBool(_vectors != null);
        _vectors?.SaveState(writer);
    }

    public void LoadState(IStateReader reader, int version)
    {
        if (version is not (1 or 2))
            StateFormatException.ThrowIfNotVersion(GetType().Name, version, StateVersion);
        Config.LoadState(reader);
        Core.LoadState(reader);
        bool msix = version >= 2 && reader.ReadBool();
        if (msix != (_vectors != null))
            throw new StateFormatException($"{GetType().Name}: saved {(msix ? "with" : "without")} MSI-X, this machine is {(_vectors != null ? "with" : "without")} (its \"apic\" key)");
        if (msix)
            _vectors!.LoadState(reader);
    }

    public virtual void Dispose()
    {
        _doorbells?.Dispose();
        _bus.Remove(Address);
        _bars.Dispose();
        (Core.Device as IDisposable)?.Dispose();
    }

    private void SetInterruptLine() => Config.Set16(PciConfigRegister.InterruptLine, (ushort)(_interruptLine | (1 << 8)));

    private static void WriteCapabilities(PciConfigSpace config, bool msix)
    {
        config.Set16(PciConfigRegister.Status, VirtioPciLayout.StatusCapabilitiesList);
        config.Set16(PciConfigRegister.CapabilitiesPointer, VirtioPciLayout.CommonCapability);
        Capability(config, VirtioPciLayout.CommonCapability, VirtioPciLayout.IsrCapability, VirtioPciLayout.CommonConfigType, VirtioPciLayout.CommonOffset);
        Capability(config, VirtioPciLayout.IsrCapability, VirtioPciLayout.DeviceCapability, VirtioPciLayout.IsrConfigType, VirtioPciLayout.IsrOffset);
        Capability(config, VirtioPciLayout.DeviceCapability, VirtioPciLayout.NotifyCapability, VirtioPciLayout.DeviceConfigType, VirtioPciLayout.DeviceOffset);
        Capability(config, VirtioPciLayout.NotifyCapability, msix ? VirtioPciLayout.MsixCapability : 0, VirtioPciLayout.NotifyConfigType, VirtioPciLayout.NotifyOffset,
            VirtioPciLayout.NotifyCapabilityLength);
        config.Set32(VirtioPciLayout.NotifyCapability + 16, VirtioPciLayout.NotifyOffMultiplier);
    }

    // struct virtio_pci_cap: vndr, next, len, cfg_type, bar, id, padding[2], offset, length.
    private static void Capability(PciConfigSpace config, int at, int next, byte type, ulong offset, int length = VirtioPciLayout.CapabilityLength)
    {
        config.Set32(at, VirtioPciLayout.VendorCapability | (uint)next << 8 | (uint)length << 16 | (uint)type << 24);
        config.Set32(at + 4, 0); // BAR 0, id 0
        config.Set32(at + 8, (uint)offset);
        config.Set32(at + 12, VirtioPciLayout.RegionLength);
    }
}
