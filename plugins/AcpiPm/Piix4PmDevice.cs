using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// The PIIX4 power-management function (8086:7113) at 00:01.3, as on QEMU's <c>-M pc</c>
/// (hw/acpi/piix4.c): its configuration space and the ACPI PM block (<see cref="PmBlock"/>) it
/// owns. The block decodes 64 ports at PMBA (0x40) while PMREGMISC (0x80) bit 0 is set, and moves
/// when the guest rewrites PMBA; SeaBIOS puts it at 0xb000 and builds its own ACPI tables (FADT with
/// the PM timer at 0xb008 and SCI 9, DSDT with \_S5), so Linux calibrates on the PM timer and
/// 'poweroff' reaches S5, which ends the machine with 0. The SCI is the entry's line, IRQ 9 by
/// default: QEMU wires it there whatever the guest writes to the interrupt line register (0x3c),
/// which is the guest's note (SeaBIOS writes its PIRQ line, 10, then 9). The SMBus registers are stored only (SeaBIOS programs them and never
/// talks to the SMBus).
/// </summary>
[Device("piix4-pm", Irq = 9,
    Description = "PIIX4 power-management function (8086:7113) at 00:01.3: the ACPI PM block (PM1 registers, 3.58 MHz PM timer, S5 power-off) at PMBA once the guest enables it, SCI on IRQ 9")]
[DeviceOption("pciAddress", "the function's address on bus 0; needs a pci-host entry", Default = StandardAddress)]
public sealed class Piix4PmDevice : IDevice, IPciFunction, IDeviceState
{
    /// <summary>Where the function sits on QEMU's <c>-M pc</c>.</summary>
    public const string StandardAddress = "00:01.3";

    private readonly PciBus _bus;
    private readonly PmIoPlacement _io;

    public Piix4PmDevice(DeviceContext context)
    {
        _bus = context.Pci;
        Config = Piix4PmConfig.Create();
        Block = new PmBlock(context);
        _io = new PmIoPlacement(Block, context.Buses, $"{context.Name} PMBA", context.Logger);
        try
        {
            Address = PciBus.AddAt(context, this, standardAddress: StandardAddress);
        }
        catch
        {
            Block.Dispose();
            throw;
        }
    }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space.</summary>
    public PciConfigSpace Config { get; }

    /// <summary>The PM registers, wherever PMBA puts them.</summary>
    public PmBlock Block { get; }

    /// <summary>The port the PM block decodes at now, or null while PMREGMISC disables it.</summary>
    public ushort? PmIoBase => _io.Base;

    public uint ReadConfig(int offset, int size) => Config.ReadConfig(offset, size);

    /// <summary>A configuration write; one that reaches PMBA or PMREGMISC moves the PM block.</summary>
    public void WriteConfig(int offset, int size, uint value)
    {
        Config.WriteConfig(offset, size, value);
        if (Touches(offset, size, Piix4PmConfig.PmBase, 4) || Touches(offset, size, Piix4PmConfig.PmMisc, 1))
            _io.MoveTo(Piix4PmConfig.PmIoBase(Config));
    }

    /// <summary>Power-on: the registers, and the configuration space (PMREGMISC 0: the block stops decoding).</summary>
    public void Reset()
    {
        Block.Reset();
        Config.Reset();
        _io.MoveTo(Piix4PmConfig.PmIoBase(Config));
    }

    /// <summary>The PM registers and the configuration space (state version 1); the PM block is mapped where PMBA says.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        Block.SaveState(writer);
        Config.SaveState(writer);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("piix4-pm", version, StateVersion);
        Block.LoadState(reader);
        Config.LoadState(reader);
        _io.MoveTo(Piix4PmConfig.PmIoBase(Config));
    }

    public void Dispose()
    {
        _bus.Remove(Address);
        _io.Dispose();
        Block.Dispose();
    }

    private static bool Touches(int offset, int size, int register, int length) => offset < register + length && register < offset + size;
}
