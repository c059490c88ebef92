using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Pic;

/// <summary>Both 8259As in a snapshot (state version <see cref="Version"/>): every register and latch of <see cref="PicState"/>, master first.</summary>
public static class PicStateFormat
{
    public const int Version = 1;

    public static void Save(PicState s, IStateWriter w)
    {
        w.WriteByte(s.Irr); w.WriteByte(s.Isr); w.WriteByte(s.Imr);
        w.WriteByte(s.InputLevels); w.WriteByte(s.EdgeArmed); w.WriteByte(s.Elcr);
        w.WriteBool(s.LevelTriggeredAll);
        w.WriteByte(s.VectorBase); w.WriteByte(s.Icw3);
        w.WriteByte((byte)s.InitStep);
        w.WriteBool(s.Icw4Needed); w.WriteBool(s.SingleMode); w.WriteBool(s.AutoEoi);
        w.WriteBool(s.RotateOnAutoEoi); w.WriteBool(s.SpecialFullyNested); w.WriteBool(s.SpecialMask);
        w.WriteBool(s.ReadIsr); w.WriteBool(s.PollPending);
        w.WriteInt32(s.LowestPriority);
    }

    public static PicState Load(IStateReader r) => new()
    {
        Irr = r.ReadByte(), Isr = r.ReadByte(), Imr = r.ReadByte(),
        InputLevels = r.ReadByte(), EdgeArmed = r.ReadByte(), Elcr = r.ReadByte(),
        LevelTriggeredAll = r.ReadBool(),
        VectorBase = r.ReadByte(), Icw3 = r.ReadByte(),
        InitStep = (PicInitStep)r.ReadByte(),
        Icw4Needed = r.ReadBool(), SingleMode = r.ReadBool(), AutoEoi = r.ReadBool(),
        RotateOnAutoEoi = r.ReadBool(), SpecialFullyNested = r.ReadBool(), SpecialMask = r.ReadBool(),
        ReadIsr = r.ReadBool(), PollPending = r.ReadBool(),
        LowestPriority = r.ReadInt32() & 7,
    };
}
