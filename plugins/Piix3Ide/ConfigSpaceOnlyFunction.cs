using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// A PIIX function that is configuration space only (the ISA bridge): it sits on
/// the machine's PCI bus at its <c>pciAddress</c> option or its standard address, answers
/// configuration cycles from <see cref="Config"/>, and leaves the bus with the machine.
/// </summary>
public abstract class ConfigSpaceOnlyFunction : IDevice, IDeviceState
{
    private readonly PciBus _bus;

    protected ConfigSpaceOnlyFunction(DeviceContext context, PciConfigSpace config, string standardAddress)
    {
        Config = config;
        _bus = context.Pci;
        Address = PciBus.AddAt(context, Config, standardAddress: standardAddress);
    }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space.</summary>
    public PciConfigSpace Config { get; }

    public virtual void Reset() => Config.Reset();

    /// <summary>Its configuration space is all its state (state version 1).</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) => Config.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion(GetType().Name, version, StateVersion);
        Config.LoadState(reader);
    }

    public void Dispose() => _bus.Remove(Address);
}
