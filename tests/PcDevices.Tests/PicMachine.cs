using Hypervisor.Testing;
using MiniVmm.Devices.Pic;

namespace PcDevices.Tests;

/// <summary>The PC's PIC entries as a machine file declares them: i8259 at 0x20, its slave ports at 0xa0, the ELCR at 0x4d0.</summary>
internal sealed class PicMachine : IDisposable
{
    public const int MasterVectorBase = 0x08;
    public const int SlaveVectorBase = 0x70;

    public DeviceHarness<I8259Device> Master { get; } = DeviceHarness.Create<I8259Device>(settings: new() { PortBase = 0x20 });

    public I8259SlavePorts Slave { get; }

    public I8259Elcr Elcr { get; }

    public PicMachine()
    {
        Slave = Companion.Create<I8259SlavePorts>(Master.Context, "pic-slave");
        Elcr = Companion.Create<I8259Elcr>(Master.Context, "elcr");
    }

    public I8259Device Controller => Master.Device;

    /// <summary>The BIOS's initialization: ICW1 = 0x11 (edge, cascade, ICW4), ICW2 = vector base, ICW3 = cascade on IR2, ICW4 = 8086 mode.</summary>
    public void InitializeLikeTheBios(byte masterBase = MasterVectorBase, byte slaveBase = SlaveVectorBase, byte icw4 = Icw4.Mode8086)
    {
        Master.Out(PicPort.Command, 0x11);
        Slave.Out(PicPort.Command, 0x11);
        Master.Out(PicPort.Data, masterBase);
        Slave.Out(PicPort.Data, slaveBase);
        Master.Out(PicPort.Data, 1 << PcPicWiring.CascadeLine);
        Slave.Out(PicPort.Data, PcPicWiring.CascadeLine);
        Master.Out(PicPort.Data, icw4);
        Slave.Out(PicPort.Data, icw4);
        Master.Out(PicPort.Data, 0x00);
        Slave.Out(PicPort.Data, 0x00);
    }

    public void Raise(int irq) => Controller.SetInput(irq, true);

    public void Lower(int irq) => Controller.SetInput(irq, false);

    /// <summary>An edge-triggered request: the line goes high and low again (a PIT output pulse).</summary>
    public void Pulse(int irq)
    {
        Raise(irq);
        Lower(irq);
    }

    public void MasterEoi() => Master.Out(PicPort.Command, 0x20);

    public void SlaveEoi() => Slave.Out(PicPort.Command, 0x20);

    public byte MasterIsr()
    {
        Master.Out(PicPort.Command, Ocw3.Select | Ocw3.ReadRegister | Ocw3.ReadIsr);
        return Master.In(PicPort.Command);
    }

    public byte MasterIrr()
    {
        Master.Out(PicPort.Command, Ocw3.Select | Ocw3.ReadRegister);
        return Master.In(PicPort.Command);
    }

    public byte SlaveIsr()
    {
        Slave.Out(PicPort.Command, Ocw3.Select | Ocw3.ReadRegister | Ocw3.ReadIsr);
        return Slave.In(PicPort.Command);
    }

    public void Dispose() => Master.Dispose();
}
