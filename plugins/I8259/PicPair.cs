using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>
/// The PC/AT's two 8259As: the slave's INT on the master's IR2, IRQ 0-7 on the master and 8-15 on
/// the slave, plus the ELCR. One lock guards both chips, because device threads (timers, backends)
/// set inputs while the vCPU thread acknowledges and programs. INTR is published in a volatile
/// field so the vCPU can poll it before every instruction without taking the lock.
/// </summary>
public sealed class PicPair
{
    /// <summary>IRQ lines the pair takes: 0-15.</summary>
    public const int LineCount = 2 * PcPicWiring.LinesPerChip;

    private readonly object _lock = new();
    private volatile bool _intr;

    public Pic8259 Master { get; } = new(PcPicWiring.MasterElcrMask) { IsMaster = true };

    public Pic8259 Slave { get; } = new(PcPicWiring.SlaveElcrMask);

    /// <summary>The INTR output to the CPU.</summary>
    public bool InterruptRequested => _intr;

    /// <summary>Raised (outside the lock) when INTR goes high, so a halted vCPU can wake at once.</summary>
    public event Action? InterruptRaised;

    public void Reset()
    {
        lock (_lock)
        {
            Master.Reset();
            Slave.Reset();
            UpdateLocked();
        }
    }

    /// <summary>Drives IRQ <paramref name="line"/> (0-15); lines beyond 15 are not wired to the pair.</summary>
    public void SetInput(int line, bool level)
    {
        if ((uint)line >= LineCount)
            return;
        Mutate(() => Chip(line).SetInput(line & 7, level));
    }

    /// <summary>The INTA cycle: the vector of the highest-priority request, or the spurious IRQ 7 / 15 vector.</summary>
    public byte Acknowledge()
    {
        lock (_lock)
        {
            byte vector;
            int level = Master.PendingLevel();
            if (level == Pic8259.None)
            {
                // The request went away before INTA: the 8259A answers with IR7 and sets no ISR bit.
                vector = Master.Vector(PcPicWiring.SpuriousLevel);
            }
            else
            {
                Master.Acknowledge(level);
                if (level == PcPicWiring.CascadeLine && !Master.State.SingleMode)
                {
                    int slaveLevel = Slave.PendingLevel();
                    if (slaveLevel == Pic8259.None)
                        vector = Slave.Vector(PcPicWiring.SpuriousLevel);
                    else
                    {
                        Slave.Acknowledge(slaveLevel);
                        vector = Slave.Vector(slaveLevel);
                    }
                }
                else
                {
                    vector = Master.Vector(level);
                }
            }
            UpdateLocked();
            return vector;
        }
    }

    /// <summary>A read of one chip's port (0 = command, 1 = data); the poll word acknowledges, so it updates INTR.</summary>
    public byte ReadPort(bool slave, int port)
    {
        bool raised;
        byte value;
        lock (_lock)
        {
            var chip = slave ? Slave : Master;
            value = port == PicPort.Command ? chip.ReadCommand() : chip.ReadData();
            raised = UpdateLocked();
        }
        if (raised)
            InterruptRaised?.Invoke();
        return value;
    }

    public void WritePort(bool slave, int port, byte value)
        => Mutate(() =>
        {
            var chip = slave ? Slave : Master;
            if (port == PicPort.Command)
                chip.WriteCommand(value);
            else
                chip.WriteData(value);
        });

    /// <summary>ELCR byte <paramref name="index"/>: 0 = IRQ 0-7 (port 0x4d0), 1 = IRQ 8-15 (0x4d1).</summary>
    public byte ReadElcr(int index)
    {
        lock (_lock)
            return (index == 0 ? Master : Slave).State.Elcr;
    }

    public void WriteElcr(int index, byte value) => Mutate(() => (index == 0 ? Master : Slave).WriteElcr(value));

    /// <summary>A consistent copy of both chips' state, for tests and diagnostics.</summary>
    public (PicState Master, PicState Slave) Snapshot()
    {
        lock (_lock)
            return (Master.State with { }, Slave.State with { });
    }

    /// <summary>Writes both chips (<see cref="PicStateFormat"/>).</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            PicStateFormat.Save(Master.State, writer);
            PicStateFormat.Save(Slave.State, writer);
        }
    }

    /// <summary>Takes both chips' saved state; INTR follows it.</summary>
    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("i8259", version, PicStateFormat.Version);
        var master = PicStateFormat.Load(reader);
        var slave = PicStateFormat.Load(reader);
        Mutate(() =>
        {
            Master.Load(master);
            Slave.Load(slave);
        });
    }

    private Pic8259 Chip(int line) => line < PcPicWiring.LinesPerChip ? Master : Slave;

    private void Mutate(Action change)
    {
        bool raised;
        lock (_lock)
        {
            change();
            raised = UpdateLocked();
        }
        if (raised)
            InterruptRaised?.Invoke();
    }

    // The slave's INT feeds the master's IR2. Like QEMU, a pending slave request pulses IR2 so the
    // master latches it again after each acknowledge (the slave drops INT during INTA on real parts);
    // and, as on real parts, IR2 must stay high until INTA: a slave that stops requesting withdraws it.
    private bool UpdateLocked()
    {
        bool slaveRequest = Slave.PendingLevel() != Pic8259.None;
        Master.SetInput(PcPicWiring.CascadeLine, slaveRequest);
        if (slaveRequest && !Master.IsLevelTriggered(PcPicWiring.CascadeLine))
            Master.SetInput(PcPicWiring.CascadeLine, false);
        if (!slaveRequest && !Master.State.SingleMode)
            Master.WithdrawRequest(PcPicWiring.CascadeLine);
        bool intr = Master.PendingLevel() != Pic8259.None;
        bool raised = intr && !_intr;
        _intr = intr;
        return raised;
    }
}
