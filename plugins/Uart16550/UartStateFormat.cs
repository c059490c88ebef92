using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Serial;

/// <summary>The 16550's registers and FIFOs in a snapshot (state version <see cref="Version"/>); the wire is reconnected, not saved.</summary>
public static class UartStateFormat
{
    public const int Version = 1;

    public static void Save(UartState s, bool lineLevel, IStateWriter w)
    {
        w.WriteByte((byte)s.InterruptEnable);
        w.WriteByte((byte)s.LineControl);
        w.WriteByte((byte)s.ModemControl);
        w.WriteByte((byte)s.FifoControl);
        w.WriteByte((byte)s.LineErrors);
        w.WriteByte((byte)s.ModemStatusDeltas);
        w.WriteByte((byte)s.ModemLines);
        w.WriteByte(s.Scratch);
        w.WriteUInt16(s.Divisor);
        w.WriteBool(s.TransmitterEmptyInterruptPending);
        w.WriteInt64(s.LastReceiveActivityNanoseconds);
        s.Receiver.SaveState(w);
        s.Transmitter.SaveState(w);
        w.WriteBool(lineLevel);
    }

    public static UartState Load(IStateReader r, int version, out bool lineLevel)
    {
        StateFormatException.ThrowIfNotVersion("uart16550", version, Version);
        var s = new UartState
        {
            InterruptEnable = (Ier)r.ReadByte(),
            LineControl = (Lcr)r.ReadByte(),
            ModemControl = (Mcr)r.ReadByte(),
            FifoControl = (Fcr)r.ReadByte(),
            LineErrors = (Lsr)r.ReadByte(),
            ModemStatusDeltas = (Msr)r.ReadByte(),
            ModemLines = (Msr)r.ReadByte(),
            Scratch = r.ReadByte(),
            Divisor = r.ReadUInt16(),
            TransmitterEmptyInterruptPending = r.ReadBool(),
            LastReceiveActivityNanoseconds = r.ReadInt64(),
        };
        s.Receiver.LoadState(r);
        s.Transmitter.LoadState(r);
        lineLevel = r.ReadBool();
        return s;
    }
}
