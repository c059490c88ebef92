using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pit;

/// <summary>One 8254 counter in a snapshot (part of the i8254's state, version <see cref="Version"/>).</summary>
public static class PitStateFormat
{
    public const int Version = 1;

    public static void Save(PitChannelState s, IStateWriter w)
    {
        w.WriteInt32(s.Mode);
        w.WriteByte((byte)s.Access);
        w.WriteBool(s.Bcd);
        w.WriteUInt16(s.CountRegister);
        w.WriteBool(s.Counting);
        w.WriteInt64(s.LoadTick);
        w.WriteBool(s.Gate);
        w.WriteBool(s.Triggered);
        w.WriteBool(s.WriteHighNext);
        w.WriteBool(s.ReadHighNext);
        w.WriteBool(s.LatchedCount.HasValue);
        w.WriteUInt16(s.LatchedCount ?? 0);
        w.WriteBool(s.LatchedHighNext);
        w.WriteBool(s.LatchedStatus.HasValue);
        w.WriteByte(s.LatchedStatus ?? 0);
        w.WriteBool(s.IdleOutput);
    }

    public static PitChannelState Load(IStateReader r)
    {
        var s = new PitChannelState
        {
            Mode = r.ReadInt32() & 7,
            Access = (PitAccess)(r.ReadByte() & 3),
            Bcd = r.ReadBool(),
            CountRegister = r.ReadUInt16(),
            Counting = r.ReadBool(),
            LoadTick = r.ReadInt64(),
            Gate = r.ReadBool(),
            Triggered = r.ReadBool(),
            WriteHighNext = r.ReadBool(),
            ReadHighNext = r.ReadBool(),
        };
        bool latched = r.ReadBool();
        ushort count = r.ReadUInt16();
        s.LatchedCount = latched ? count : null;
        s.LatchedHighNext = r.ReadBool();
        bool status = r.ReadBool();
        byte statusByte = r.ReadByte();
        s.LatchedStatus = status ? statusByte : null;
        s.IdleOutput = r.ReadBool();
        return s;
    }
}
