using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Pic;

namespace Plugins.Tests.I8259;

/// <summary>The PC's PIC entry as a machine file declares it: <c>{ "type": "i8259" }</c>, master at 0x20, its slave and ELCR windows at 0xa0 and 0x4d0.</summary>
internal sealed class PicMachine : IDisposable
{
    public const int MasterVectorBase = 0x08;
    public const int SlaveVectorBase = 0x70;

    public DeviceHarness<I8259Device> Master { get; } = DeviceHarness.Create<I8259Device>();

    public IPortDevice Slave => Master.PortWindow("slave");

    public IPortDevice Elcr => Master.PortWindow("elcr");

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
