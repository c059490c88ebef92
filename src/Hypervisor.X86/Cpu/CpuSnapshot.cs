using Hypervisor.Abstractions;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The CPU's state in a snapshot: every field the interpreter and the translator read that is not
/// derived (derived state, the TLBs, decoded code and translated blocks, is rebuilt on load). Saved
/// between instructions outside Run, where an IN's data is already in its register; the MMIO replay
/// log of an instruction restarted after a load exit is kept, so the restored CPU does not repeat
/// the device access.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>Raise when the layout below changes.</summary>
    public const int SnapshotVersion = 4; // 2: sixteen 64-bit general registers; 3: XMM0-15 (256 bytes); 4: the IA-32e MSRs

    /// <summary>Why the CPU cannot be saved now (mid-instruction), or null.</summary>
    public string? SnapshotBlocker => _pendingIo != PendingIo.None || _mmioLoadPending
        ? $"vCPU at {CsEip()} is waiting for the data of an I/O read"
        : null;

    public void SaveSnapshot(IStateWriter w)
    {
        if (SnapshotBlocker is { } why)
            throw new InvalidOperationException(why);
        foreach (ulong r in Regs)
            w.WriteUInt64(r);
        w.WriteUInt64(Rip);
        w.WriteUInt32(Flags);
        foreach (var s in Segs)
            WriteSegment(w, s);
        w.WriteUInt32(Cr0); w.WriteUInt64(Cr2); w.WriteUInt32(Cr3); w.WriteUInt32(Cr4);
        w.WriteUInt64(Efer);
        w.WriteUInt64(GdtBase); w.WriteUInt16(GdtLimit);
        w.WriteUInt64(IdtBase); w.WriteUInt16(IdtLimit);
        foreach (uint d in Dr)
            w.WriteUInt32(d);
        w.WriteInt32(Cpl);
        w.WriteUInt64(TscOffset);
        w.WriteUInt64(ApicBase);
        w.WriteUInt64(SysenterCs); w.WriteUInt64(SysenterEsp); w.WriteUInt64(SysenterEip);
        w.WriteUInt64(Star); w.WriteUInt64(Lstar); w.WriteUInt64(Cstar); w.WriteUInt64(Sfmask);
        w.WriteUInt64(KernelGsBase); w.WriteUInt64(TscAux); w.WriteUInt64(MiscEnable);
        w.WriteUInt64(Retired);
        w.WriteBool(A20Enabled);
        // FPU and SSE.
        w.WriteUInt16(_fpuControl); w.WriteUInt16(_fpuStatus); w.WriteUInt16(_fpuTag);
        w.WriteBytes(_fpuRegisters);
        w.WriteUInt32(_mxcsr);
        w.WriteBytes(_xmm);
        // Events between instructions.
        w.WriteBool(_interruptShadow);
        w.WriteBool(_faultPending); w.WriteByte(_faultVector); w.WriteUInt32(_faultErrorCode); w.WriteBool(_faultHasErrorCode);
        w.WriteBool(_nmiLatched); w.WriteBool(_nmiBlocked);
        w.WriteBool((Volatile.Read(ref _attention) & AttentionNmi) != 0);
        w.WriteBool(_taskTrapPending);
        // An instruction restarted after an MMIO load replays these accesses.
        w.WriteInt32(_mmioCount);
        for (int i = 0; i < _mmioCount; i++)
        {
            ref var m = ref _mmioLog[i];
            w.WriteUInt64(m.Address); w.WriteUInt64(m.Data); w.WriteInt32(m.Size); w.WriteBool(m.IsWrite);
        }
        SaveApicSnapshot(w);
    }

    public void LoadSnapshot(IStateReader r, int version)
    {
        StateFormatException.ThrowIfNotVersion("software CPU", version, SnapshotVersion);
        for (int i = 0; i < Regs.Length; i++)
            Regs[i] = r.ReadUInt64();
        Rip = r.ReadUInt64();
        Flags = r.ReadUInt32();
        for (int i = 0; i < Segs.Length; i++)
            Segs[i] = ReadSegment(r);
        Cr0 = r.ReadUInt32(); Cr2 = r.ReadUInt64(); Cr3 = r.ReadUInt32(); Cr4 = r.ReadUInt32();
        Efer = r.ReadUInt64();
        GdtBase = r.ReadUInt64(); GdtLimit = r.ReadUInt16();
        IdtBase = r.ReadUInt64(); IdtLimit = r.ReadUInt16();
        for (int i = 0; i < Dr.Length; i++)
            Dr[i] = r.ReadUInt32();
        Cpl = r.ReadInt32();
        TscOffset = r.ReadUInt64();
        ApicBase = r.ReadUInt64();
        SysenterCs = r.ReadUInt64(); SysenterEsp = r.ReadUInt64(); SysenterEip = r.ReadUInt64();
        Star = r.ReadUInt64(); Lstar = r.ReadUInt64(); Cstar = r.ReadUInt64(); Sfmask = r.ReadUInt64();
        KernelGsBase = r.ReadUInt64(); TscAux = r.ReadUInt64(); MiscEnable = r.ReadUInt64();
        Retired = r.ReadUInt64();
        A20Enabled = r.ReadBool();
        _fpuControl = r.ReadUInt16(); _fpuStatus = r.ReadUInt16(); _fpuTag = r.ReadUInt16();
        r.ReadBytes(_fpuRegisters);
        _mxcsr = r.ReadUInt32();
        r.ReadBytes(_xmm);
        _interruptShadow = r.ReadBool();
        _faultPending = r.ReadBool(); _faultVector = r.ReadByte(); _faultErrorCode = r.ReadUInt32(); _faultHasErrorCode = r.ReadBool();
        _nmiLatched = r.ReadBool(); _nmiBlocked = r.ReadBool();
        bool nmiRaised = r.ReadBool();
        _taskTrapPending = r.ReadBool();
        int count = r.ReadInt32();
        if (count < 0 || count > 1 << 16)
            throw new StateFormatException($"software CPU state: {count} MMIO replay records");
        if (_mmioLog.Length < count)
            _mmioLog = new MmioRecord[count];
        for (int i = 0; i < count; i++)
            _mmioLog[i] = new MmioRecord { Address = r.ReadUInt64(), Data = r.ReadUInt64(), Size = r.ReadInt32(), IsWrite = r.ReadBool() };
        _mmioCount = count;
        _mmioCursor = 0;
        _mmioLoadPending = false;
        _pendingIo = PendingIo.None;
        _exitPending = false;
        LoadApicSnapshot(r);

        // Derived state: rebuilt from what was loaded.
        if (nmiRaised)
            Interlocked.Or(ref _attention, AttentionNmi);
        DebugRegistersChanged();
        FlushTlb();
        FlushDecodedCode();
        StateChanged();
    }

    private static void WriteSegment(IStateWriter w, in SegmentCache s)
    {
        w.WriteUInt16(s.Selector); w.WriteUInt64(s.Base); w.WriteUInt32(s.Limit);
        w.WriteByte(s.Type); w.WriteByte(s.Dpl);
        w.WriteBool(s.Present); w.WriteBool(s.S); w.WriteBool(s.Db); w.WriteBool(s.G);
        w.WriteBool(s.Avl); w.WriteBool(s.L); w.WriteBool(s.Unusable);
    }

    private static SegmentCache ReadSegment(IStateReader r) => new()
    {
        Selector = r.ReadUInt16(), Base = r.ReadUInt64(), Limit = r.ReadUInt32(),
        Type = r.ReadByte(), Dpl = r.ReadByte(),
        Present = r.ReadBool(), S = r.ReadBool(), Db = r.ReadBool(), G = r.ReadBool(),
        Avl = r.ReadBool(), L = r.ReadBool(), Unusable = r.ReadBool(),
    };
}
