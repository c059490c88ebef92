using Hypervisor.Abstractions;

namespace MiniVmm.Devices.AcpiPm;

/// <summary>
/// The ACPI power-management block (<see cref="PmBlock"/>) at a fixed port, for machines without
/// PCI: QEMU's i440FX machine has it at 0x600 with the SCI on IRQ 9. It tells the machine's own
/// ACPI tables where its registers are (<see cref="IAcpiFixedHardware"/>), so a direct Linux boot
/// finds the PM timer and can power off. On a PCI machine the block is the <c>piix4-pm</c>
/// function's, placed where the firmware programs it.
/// </summary>
[Device("acpi-pm", Port = 0x600, Irq = 9,
    Description = "ACPI power management block (PIIX4 layout, port 0x600, SCI on IRQ 9): PM1 registers, 3.58 MHz PM timer, S5 power-off")]
public sealed class AcpiPm : IPortDevice, IAcpiFixedHardware, IDeviceState
{
    /// <summary>The PM timer's rate in Hz (ACPI: 3.579545 MHz).</summary>
    public const long TimerHz = PmBlock.TimerHz;

    private readonly DeviceContext _context;

    public AcpiPm(DeviceContext context)
    {
        _context = context;
        Block = new PmBlock(context);
    }

    /// <summary>The registers.</summary>
    public PmBlock Block { get; }

    public int PortCount => Block.PortCount;

    public ushort Pm1aEventBlock => (ushort)(Base + PmRegisters.Pm1Status);

    public ushort Pm1aControlBlock => (ushort)(Base + PmRegisters.Pm1Control);

    public ushort PmTimerBlock => (ushort)(Base + PmRegisters.PmTimer);

    public int SciInterrupt => _context.Irq.Number;

    public int SoftOffSleepType => Pm1Control.SoftOffType;

    private ushort Base => _context.PortBase ?? 0;

    public uint Read(ushort offset, int size) => Block.Read(offset, size);

    public void Write(ushort offset, int size, uint value) => Block.Write(offset, size, value);

    /// <summary>Presses the power button: PWRBTN_STS, and the SCI if the guest enabled it.</summary>
    public void PressPowerButton() => Block.PressPowerButton();

    public void Reset() => Block.Reset();

    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) => Block.SaveState(writer);

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("acpi-pm", version, StateVersion);
        Block.LoadState(reader);
    }

    public void Dispose() => Block.Dispose();
}
