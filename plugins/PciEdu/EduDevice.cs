using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Edu;

/// <summary>
/// QEMU's educational PCI device as a plugin: function 1234:11e8 (revision 0x10, class 00ff00,
/// INTA#) at the PCI address its entry names, with one 1 MiB memory BAR that maps wherever the
/// guest programs it once the command register enables memory decoding. A guest or driver written
/// for <c>qemu -device edu,addr=N</c> sees the same device at <c>"pciAddress": "00:0N.0"</c>.
/// INTx is the entry's <c>"irq"</c>: the machine file routes INTA# to an ISA line (there are no
/// PIRQ routing registers); MSI is not offered (there is no local APIC to deliver it to).
/// </summary>
[Device("edu", Description = "QEMU's educational PCI device (1234:11e8): liveness, factorial, interrupts and DMA behind a 1 MiB memory BAR")]
[DeviceOption("pciAddress", "the function's address on bus 0, as lspci prints it (e.g. 00:04.0); needs a pci-host entry")]
[DeviceOption("dmaMask", "the DMA address bits the device drives", Default = "0xfffffff")]
[DeviceOption("dmaDelayUs", "machine time a DMA transfer takes, in microseconds", Default = "100000")]
public sealed class EduDevice : IDevice, IDeviceState
{
    private readonly PciBus _bus;
    private readonly PciBarRegions _bars;

    public EduDevice(DeviceContext context)
    {
        ulong dmaMask = context.Options.GetUInt64("dmaMask", (1UL << 28) - 1);
        ulong delayUs = context.Options.GetUInt64("dmaDelayUs", 100_000);
        if (delayUs > 10_000_000)
            throw new DeviceConfigurationException("dmaDelayUs", $"{delayUs} µs: expected at most 10000000 (10 s)");
        Config = new PciConfigSpace(EduRegisters.VendorId, EduRegisters.DeviceId, EduRegisters.ClassCode, EduRegisters.Revision,
            bars: [new PciBar(PciBarKind.Memory32, EduRegisters.BarSize)], interruptPin: EduRegisters.InterruptPin);
        _bus = context.Pci;
        Address = PciBus.AddAt(context, Config);
        Registers = new Edu(context.Memory, context.Irq, context.Clock, context.Logger, dmaMask, (long)delayUs * 1000,
            () => (Config.ReadConfig(PciConfigRegister.Command, 2) & PciCommand.BusMaster) != 0);
        _bars = new PciBarRegions(Config, context);
        _bars.Attach(0, Registers);
    }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space (as the pci-host reaches it).</summary>
    public PciConfigSpace Config { get; }

    /// <summary>The BAR 0 register window.</summary>
    public Edu Registers { get; }

    /// <summary>Power-on: the registers, and the configuration space (BAR 0 at 0, decoding off, so unmapped).</summary>
    public void Reset()
    {
        Registers.Reset();
        Config.Reset();
    }

    /// <summary>The configuration space (BAR 0 where the guest put it), then the registers.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        Config.SaveState(writer);
        Registers.SaveState(writer);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("edu", version, StateVersion);
        Config.LoadState(reader);
        Registers.LoadState(reader);
    }

    public void Dispose()
    {
        _bus.Remove(Address);
        _bars.Dispose();
        Registers.Dispose();
    }
}
