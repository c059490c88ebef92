using Hypervisor.Abstractions;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The APIC part of the CPU's snapshot (a machine with <c>"apic": true</c>): the local APIC's
/// registers, then the CPU's own SMP waits: an AP waiting for its start-up IPI, a vCPU parked in HLT,
/// and INIT / start-up IPIs that arrived but were not serviced yet. Written only when the CPU has a
/// local APIC, so the layout of machines without one is unchanged.
/// </summary>
internal sealed partial class Cpu
{
    private void SaveApicSnapshot(IStateWriter w)
    {
        if (LocalApic == null)
            return;
        LocalApic.SaveState(w);
        w.WriteBool(_waitingForStartup);
        w.WriteBool(_haltedUntilNmi);
        w.WriteBool(_haltedUntilInterrupt);
        int attention = Volatile.Read(ref _attention);
        w.WriteBool((attention & AttentionInit) != 0);
        w.WriteBool((attention & AttentionStartup) != 0);
        w.WriteByte((byte)Volatile.Read(ref _startupVector));
    }

    private void LoadApicSnapshot(IStateReader r)
    {
        if (LocalApic == null)
            return;
        LocalApic.LoadState(r);
        _waitingForStartup = r.ReadBool();
        _haltedUntilNmi = r.ReadBool();
        _haltedUntilInterrupt = r.ReadBool();
        bool init = r.ReadBool(), startup = r.ReadBool();
        Volatile.Write(ref _startupVector, r.ReadByte());
        Interlocked.And(ref _attention, ~(AttentionInit | AttentionStartup));
        if (init)
            Interlocked.Or(ref _attention, AttentionInit);
        if (startup)
            Interlocked.Or(ref _attention, AttentionStartup);
    }
}
